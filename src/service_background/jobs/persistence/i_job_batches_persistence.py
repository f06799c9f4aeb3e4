"""What the job batches component needs of its store: the interface its memory, file and MongoDB stores meet."""
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Optional

from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1


class IJobBatchesPersistence(ABC):

    @abstractmethod
    def create(self, correlation_id: Optional[str], item: JobBatchV1) -> JobBatchV1: ...

    @abstractmethod
    def get_one_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobBatchV1]: ...

    @abstractmethod
    def claim_done(self, correlation_id: Optional[str], batch_id: str, now: datetime) -> bool:
        """Marks a sealed batch done in one atomic step; False when it is not sealed, already done, or
        another process won."""

    @abstractmethod
    def set_fields(self, correlation_id: Optional[str], batch_id: str, fields: dict): ...

    @abstractmethod
    def delete_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobBatchV1]: ...
