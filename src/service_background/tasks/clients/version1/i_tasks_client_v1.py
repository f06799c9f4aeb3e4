"""ITasksClientV1, the tasks API as every version 1 client offers it."""
from abc import ABC, abstractmethod
from typing import Dict, List, Optional

from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskV1


class ITasksClientV1(ABC):
    """Reads of a missing namespace or task return None; deletes of one raise NotFoundException."""

    @abstractmethod
    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]: ...

    @abstractmethod
    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1: ...

    @abstractmethod
    def get_namespace(self, correlation_id: Optional[str], namespace_id: str) -> Optional[NamespaceV1]: ...

    @abstractmethod
    def delete_namespace(self, correlation_id: Optional[str], namespace_id: str) -> NamespaceV1: ...

    @abstractmethod
    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]: ...

    @abstractmethod
    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        """Unset timeout / retries_left / status (None) take the defaults 360 s / 5 / idle."""

    @abstractmethod
    def get_task(self, correlation_id: Optional[str], task_id: str) -> Optional[TaskV1]: ...

    @abstractmethod
    def delete_task(self, correlation_id: Optional[str], task_id: str) -> TaskV1: ...

    @abstractmethod
    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]: ...

    @abstractmethod
    def release_tasks(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                      lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1: ...
