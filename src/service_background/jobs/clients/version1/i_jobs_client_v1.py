"""The interface every jobs client implements, in process or over HTTP."""
from abc import ABC, abstractmethod
from typing import Any, List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.jobs.data.version1 import JobV1, NewJobV1


class IJobsClientV1(ABC):
    """The jobs commands (add, get, start, extend, abort, complete, fail and the rest); timeouts in ms."""

    @abstractmethod
    def add_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1: ...

    @abstractmethod
    def add_jobs(self, correlation_id: Optional[str], new_jobs: List[NewJobV1]) -> List[JobV1]: ...

    @abstractmethod
    def add_uniq_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1: ...

    @abstractmethod
    def get_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                 paging: Optional[PagingParams] = None) -> DataPage: ...

    @abstractmethod
    def get_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        """Raises NotFoundException for an unknown id."""

    @abstractmethod
    def start_job_by_id(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None) -> JobV1: ...

    @abstractmethod
    def start_job_by_type(self, correlation_id: Optional[str], type: str,
                          timeout: Optional[int] = None) -> Optional[JobV1]: ...

    @abstractmethod
    def start_jobs_by_type(self, correlation_id: Optional[str], type: str, timeout: Optional[int] = None,
                           limit: int = 1) -> List[JobV1]: ...

    @abstractmethod
    def extend_job(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None,
                   lease_token: Optional[str] = None) -> JobV1: ...

    @abstractmethod
    def abort_job(self, correlation_id: Optional[str], job_id: str, lease_token: Optional[str] = None) -> JobV1: ...

    @abstractmethod
    def complete_job(self, correlation_id: Optional[str], job_id: str, result: Any = None,
                     lease_token: Optional[str] = None) -> JobV1: ...

    @abstractmethod
    def complete_jobs(self, correlation_id: Optional[str], job_ids: List[str],
                      results: Optional[List[Any]] = None, lease_tokens: Any = None) -> List[Optional[JobV1]]:
        """Completes many jobs in one write; a list as long as job_ids: the completed job, or None where
        the id is unknown, the job already finished or its lease token (``lease_tokens``: a list as long
        as job_ids or a map id -> token) is not the current one."""

    @abstractmethod
    def report_jobs(self, correlation_id: Optional[str], reports: List[dict], take: Optional[dict] = None,
                    quiet: bool = False, worker: Optional[dict] = None) -> dict:
        """Many outcomes in one call, each fenced by its own lease: ``reports`` [{job_id, lease_token,
        outcome: complete | fail | abort | extend | cancel | progress | log, result? | error? | timeout? |
        progress? message? | lines?}], applied in order; then ``take`` {type, limit, timeout?} as
        start_jobs_by_type. Returns {results, jobs}: ``results[i]`` is None when report i was applied, else the
        {code, status, message} of its refusal (LEASE_LOST...); ``jobs`` the JobV1s taken. With ``worker``
        {id, ..., running}: also ``cancel``, the ids of ``running`` whose cancel was requested."""

    @abstractmethod
    def fail_job(self, correlation_id: Optional[str], job_id: str, error: Optional[str] = None,
                 lease_token: Optional[str] = None) -> JobV1: ...

    @abstractmethod
    def delete_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1: ...

    @abstractmethod
    def delete_jobs(self, correlation_id: Optional[str]) -> None: ...

    # --- running jobs ---------------------------------------------------------------------
    @abstractmethod
    def cancel_job(self, correlation_id: Optional[str], job_id: str, reason: Optional[str] = None) -> JobV1:
        """Queued: cancelled now; running: ``cancel_requested`` (its worker stops it, or its lease ends)."""

    @abstractmethod
    def set_job_progress(self, correlation_id: Optional[str], job_id: str, progress: float,
                         message: Optional[str] = None, lease_token: Optional[str] = None) -> JobV1: ...

    @abstractmethod
    def add_job_log(self, correlation_id: Optional[str], job_id: str, lines: List[dict],
                    lease_token: Optional[str] = None) -> dict: ...

    @abstractmethod
    def get_job_log(self, correlation_id: Optional[str], job_id: str, skip: Optional[int] = None,
                    take: Optional[int] = None) -> dict:
        """{job_id, lines: [{time, level, message}], total, dropped}."""

    @abstractmethod
    def get_workers(self, correlation_id: Optional[str]) -> List[Any]:
        """The live workers."""

    # --- backoff's bulk retry, queue limits, batches -------------------------------------
    @abstractmethod
    def retry_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None) -> int:
        """Requeues the dead (failed; or aborted when the filter says so) jobs matching: how many."""

    @abstractmethod
    def set_queue_limits(self, correlation_id: Optional[str], type: str, concurrency: Optional[int] = None,
                         rate: Optional[dict] = None, group_concurrency: Optional[int] = None) -> dict: ...

    @abstractmethod
    def get_queue_limits(self, correlation_id: Optional[str], type: Optional[str] = None) -> List[dict]: ...

    @abstractmethod
    def clear_queue_limits(self, correlation_id: Optional[str], type: str) -> dict: ...

    @abstractmethod
    def add_batch(self, correlation_id: Optional[str], jobs: List[Any], callback_url: Optional[str] = None,
                  description: Optional[str] = None) -> dict: ...

    @abstractmethod
    def get_batch(self, correlation_id: Optional[str], batch_id: str) -> dict: ...

    @abstractmethod
    def cancel_batch(self, correlation_id: Optional[str], batch_id: str) -> dict: ...

    @abstractmethod
    def get_queue_groups(self, correlation_id: Optional[str], type: str, limit: Optional[int] = None) -> List[dict]:
        """[{group_key, queued, running}] of the type, most queued first."""

    @abstractmethod
    def add_workflow(self, correlation_id: Optional[str], jobs: List[dict], callback_url: Optional[str] = None,
                     description: Optional[str] = None) -> dict:
        """{id, jobs: {key: job_id}}."""

    @abstractmethod
    def get_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict: ...

    @abstractmethod
    def cancel_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict: ...
