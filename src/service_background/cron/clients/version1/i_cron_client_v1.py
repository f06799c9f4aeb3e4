"""The interface every cron client implements, in process or over HTTP."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.cron.data.version1 import CronGroupV1, CronJobV1, CronRunV1


class ICronClientV1(ABC):
    """Every operation of the cron service. ``job`` dicts carry the add/edit fields of docs/cron.md."""

    @abstractmethod
    def get_version(self, correlation_id: Optional[str]) -> dict: ...

    @abstractmethod
    def register_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        """The new group with its TOTP secret (the only time it is shown)."""

    @abstractmethod
    def remove_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1: ...

    @abstractmethod
    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]: ...

    @abstractmethod
    def get_group_info(self, correlation_id: Optional[str], group_name: str) -> dict: ...

    @abstractmethod
    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> list: ...

    @abstractmethod
    def add_job(self, correlation_id: Optional[str], job: dict) -> CronJobV1: ...

    @abstractmethod
    def edit_job(self, correlation_id: Optional[str], job: dict) -> CronJobV1: ...

    @abstractmethod
    def pause_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1: ...

    @abstractmethod
    def active_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   exec_time: int = 0) -> CronJobV1: ...

    @abstractmethod
    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1: ...

    @abstractmethod
    def get_jobs(self, correlation_id: Optional[str], group_name: str) -> List[CronJobV1]: ...

    @abstractmethod
    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1: ...

    @abstractmethod
    def get_job_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        """The job's bounded run history, newest first."""

    @abstractmethod
    def clear_jobs(self, correlation_id: Optional[str], group_name: str) -> dict: ...

    @abstractmethod
    def delete_jobs_by_name(self, correlation_id: Optional[str], group_name: str, name: str) -> dict: ...

    @abstractmethod
    def dump(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> bytes:
        """A tar.gz of one group, or of every group when group_name is None."""

    @abstractmethod
    def import_dump(self, correlation_id: Optional[str], data: bytes) -> dict: ...
