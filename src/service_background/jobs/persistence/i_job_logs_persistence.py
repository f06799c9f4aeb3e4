"""What the job logs component needs of its store: the interface its memory, file, MongoDB and PostgreSQL
stores meet. Lines come checked (job_log_line_v1.py's shape and message cut); each store keeps the bounds."""
from abc import ABC, abstractmethod
from typing import Dict, List, Optional


class IJobLogsPersistence(ABC):

    @abstractmethod
    def append(self, correlation_id: Optional[str], lines_by_job: Dict[str, List[dict]]) -> Dict[str, int]:
        """Adds each job's lines ``{time, level, message}`` after its kept ones, dropping (and counting) the
        oldest past the bounds, in one write where the backend allows; the lines kept now per job."""

    @abstractmethod
    def get_log(self, correlation_id: Optional[str], job_id: str, skip: int, take: int) -> dict:
        """``{job_id, lines, total, dropped}``: lines ``skip..skip+take`` of those kept, oldest first (a job
        without a log: none, and zeros)."""

    @abstractmethod
    def get_job_ids(self, correlation_id: Optional[str], after: Optional[str], limit: int) -> List[str]:
        """Up to ``limit`` ids of jobs that have a log, in id order, after ``after`` (from the first when
        None): the pages a sweep walks."""

    @abstractmethod
    def delete_by_job_ids(self, correlation_id: Optional[str], job_ids: List[str]) -> None: ...

    @abstractmethod
    def clear(self, correlation_id: Optional[str]) -> None: ...
