"""ITasksPersistence, what the tasks controller needs of a store."""
from abc import ABC, abstractmethod
from typing import Dict, List, Optional

from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskV1


class ITasksPersistence(ABC):
    """Namespaces and their tasks. Creates raise ConflictException for a taken id."""

    # --- namespaces -------------------------------------------------------------------------
    @abstractmethod
    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]: ...

    @abstractmethod
    def get_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]: ...

    @abstractmethod
    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1: ...

    @abstractmethod
    def delete_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        """Removes the namespace and every task in it."""

    # --- tasks ------------------------------------------------------------------------------
    @abstractmethod
    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        """The namespace's tasks, oldest updated first."""

    @abstractmethod
    def get_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]: ...

    @abstractmethod
    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1: ...

    @abstractmethod
    def delete_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]: ...

    @abstractmethod
    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int,
                      now: int) -> List[TaskV1]:
        """Takes up to ``limit`` ready tasks (TaskV1.is_ready), oldest updated first: each one atomically
        becomes in_progress with one retry fewer and updated_at = now. No task goes to two callers."""

    @abstractmethod
    def release_tasks(self, correlation_id: Optional[str], ids: List[str], status: str,
                      now: int, lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        """Sets ``status`` and updated_at = now on every id found (clearing its lease_token); lists the
        others as not found. ``lease_tokens`` (id -> token) fences those ids: when any of them does not
        hold its token any more the call raises ConflictException LEASE_LOST and changes nothing
        (MongoDB: a token that changes between that check and its write lands in ``lease_lost``)."""

    @abstractmethod
    def sweep(self, correlation_id: Optional[str], now: int) -> int:
        """Tasks in progress for longer than their timeout go back to idle, or to failed when no
        retry is left. Returns how many were changed."""
