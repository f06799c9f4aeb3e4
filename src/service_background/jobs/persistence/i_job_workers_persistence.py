"""What the live workers component needs of its store: the interface its memory, MongoDB and PostgreSQL stores
meet (the file backend uses the memory store: workers are live state, nothing to keep across a restart)."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.jobs.data.version1.job_worker_v1 import JobWorkerV1


class IJobWorkersPersistence(ABC):

    @abstractmethod
    def get_one_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobWorkerV1]: ...

    @abstractmethod
    def get_list_by_filter(self, correlation_id: Optional[str], filter=None, sort=None) -> List[JobWorkerV1]: ...

    @abstractmethod
    def set(self, correlation_id: Optional[str], item: JobWorkerV1) -> JobWorkerV1:
        """Stores the worker, replacing what was stored under its id."""

    @abstractmethod
    def delete_unchanged(self, correlation_id: Optional[str], workers: List[JobWorkerV1]) -> int:
        """Deletes each of ``workers`` whose stored ``last_seen`` is still the given one (a worker seen again
        meanwhile, by any process, stays); the number deleted."""
