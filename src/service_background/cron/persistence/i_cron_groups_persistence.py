"""The interface of the store of cron groups."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.cron.data.version1 import CronGroupV1


class ICronGroupsPersistence(ABC):

    @abstractmethod
    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        """Every group, sorted by name."""

    @abstractmethod
    def get_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]: ...

    @abstractmethod
    def create_group(self, correlation_id: Optional[str], group: CronGroupV1) -> Optional[CronGroupV1]:
        """Creates the group atomically; None when one with that name exists."""

    @abstractmethod
    def set_group(self, correlation_id: Optional[str], group: CronGroupV1) -> CronGroupV1:
        """Creates or replaces (import)."""

    @abstractmethod
    def delete_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]: ...
