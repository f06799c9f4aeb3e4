"""The interface of the store of published Lua functions."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.cron.data.version1 import CronFuncV1


class ICronFuncsPersistence(ABC):
    """Published Lua functions, keyed by (group_name, name)."""

    @abstractmethod
    def get_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]: ...

    @abstractmethod
    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        """The group's functions sorted by name."""

    @abstractmethod
    def set_func(self, correlation_id: Optional[str], func: CronFuncV1) -> CronFuncV1:
        """Creates or replaces."""

    @abstractmethod
    def delete_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]: ...

    @abstractmethod
    def delete_funcs(self, correlation_id: Optional[str], group_name: str) -> int: ...
