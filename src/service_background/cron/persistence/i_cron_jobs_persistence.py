"""The interface of the store of cron jobs and their claimed runs."""
from abc import ABC, abstractmethod
from datetime import datetime
from typing import List, Optional

from service_background.cron.data.version1 import CronJobV1


class ICronJobsPersistence(ABC):
    # True when several processes may share the store (MongoDB): the runner then watches it for
    # changes made elsewhere and re-reads group secrets instead of caching them for good.
    shared = False

    @abstractmethod
    def get_jobs(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> List[CronJobV1]:
        """The jobs of a group (every job when None), sorted by (group_name, job_id)."""

    @abstractmethod
    def get_active_jobs(self, correlation_id: Optional[str]) -> List[CronJobV1]:
        """Jobs not paused: what the scheduler loads when it starts."""

    @abstractmethod
    def get_changed_jobs(self, correlation_id: Optional[str], since: datetime) -> List[CronJobV1]:
        """Jobs whose ``updated`` is after ``since`` (edits, pauses, adds, imports; claims do not
        touch ``updated``): how a process sees what other processes sharing the store changed."""

    @abstractmethod
    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]: ...

    @abstractmethod
    def create_job(self, correlation_id: Optional[str], job: CronJobV1) -> Optional[CronJobV1]:
        """Creates atomically; None when the group already has that job_id."""

    @abstractmethod
    def set_job(self, correlation_id: Optional[str], job: CronJobV1) -> CronJobV1:
        """Creates or replaces (import)."""

    @abstractmethod
    def update_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   fields: dict) -> Optional[CronJobV1]:
        """Sets ``fields`` in one atomic step; None for an unknown job."""

    @abstractmethod
    def claim_run(self, correlation_id: Optional[str], group_name: str, job_id: str, planned: datetime,
                  next_run: Optional[datetime], last_run: Optional[datetime]) -> Optional[CronJobV1]:
        """The claim of one (job, planned time): atomically, if the job is active and its next_run is
        still ``planned``, moves next_run on (and stamps last_run when given) and returns the job;
        else None. Whoever moves next_run off ``planned`` owns that run, so several processes
        sharing one database fire it once."""

    @abstractmethod
    def set_last_result(self, correlation_id: Optional[str], group_name: str, job_id: str,
                        last_result: dict) -> None: ...

    @abstractmethod
    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]: ...

    @abstractmethod
    def delete_jobs(self, correlation_id: Optional[str], group_name: str,
                    name: Optional[str] = None) -> List[CronJobV1]:
        """Deletes the group's jobs (only those named ``name`` when given); returns them."""
