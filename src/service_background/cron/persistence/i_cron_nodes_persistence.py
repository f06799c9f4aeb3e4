"""The interface of the store of registered worker nodes."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.cron.data.version1 import CronNodeV1


class ICronNodesPersistence(ABC):
    """Worker nodes, keyed by (group_name, node_id)."""

    @abstractmethod
    def get_node(self, correlation_id: Optional[str], group_name: str, node_id: str) -> Optional[CronNodeV1]: ...

    @abstractmethod
    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> List[CronNodeV1]:
        """Every node record of the group (live or not), sorted by node_id."""

    @abstractmethod
    def set_node(self, correlation_id: Optional[str], node: CronNodeV1) -> CronNodeV1:
        """Creates or replaces."""

    @abstractmethod
    def update_node(self, correlation_id: Optional[str], group_name: str, node_id: str,
                    fields: dict) -> Optional[CronNodeV1]:
        """Sets ``fields`` atomically; None for an unknown node."""

    @abstractmethod
    def delete_nodes(self, correlation_id: Optional[str], group_name: str) -> int: ...
