"""The interface of the store of the run history of cron jobs."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.cron.data.version1 import CronRunV1


class ICronRunsPersistence(ABC):
    """The bounded run history of every job."""

    @abstractmethod
    def add_run(self, correlation_id: Optional[str], run: CronRunV1, keep: int) -> CronRunV1:
        """Stores the run, then forgets the job's oldest runs beyond the ``keep`` newest."""

    @abstractmethod
    def get_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        """The job's runs, newest first."""

    @abstractmethod
    def delete_runs(self, correlation_id: Optional[str], group_name: str, job_id: Optional[str] = None) -> int:
        """Forgets the runs of one job, or of the whole group when job_id is None."""
