"""The jobs client that calls the controller in the same process."""
from typing import Any, List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.refer import Descriptor
from pip_services3_rpc.clients import DirectClient

from service_background.jobs.clients.version1.i_jobs_client_v1 import IJobsClientV1
from service_background.jobs.data.version1 import JobV1, NewJobV1


def _plain(new_job: Any) -> Any:
    return new_job.to_json() if isinstance(new_job, NewJobV1) else new_job


class JobsDirectClientV1(DirectClient, IJobsClientV1):
    """Calls the controller in the same process."""

    def __init__(self) -> None:
        super().__init__()
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-jobs', 'controller', '*', '*', '1.0'))

    def add_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1:
        return self._controller.add_job(correlation_id, _plain(new_job))

    def add_jobs(self, correlation_id: Optional[str], new_jobs: List[NewJobV1]) -> List[JobV1]:
        return self._controller.add_jobs(correlation_id, [_plain(j) for j in new_jobs])

    def add_uniq_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1:
        return self._controller.add_uniq_job(correlation_id, _plain(new_job))

    def get_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                 paging: Optional[PagingParams] = None) -> DataPage:
        return self._controller.get_jobs(correlation_id, filter, paging)

    def get_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        return self._controller.get_job_by_id(correlation_id, job_id)

    def start_job_by_id(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None) -> JobV1:
        return self._controller.start_job_by_id(correlation_id, job_id, timeout)

    def start_job_by_type(self, correlation_id: Optional[str], type: str,
                          timeout: Optional[int] = None) -> Optional[JobV1]:
        return self._controller.start_job_by_type(correlation_id, type, timeout)

    def start_jobs_by_type(self, correlation_id: Optional[str], type: str, timeout: Optional[int] = None,
                           limit: int = 1) -> List[JobV1]:
        return self._controller.start_jobs_by_type(correlation_id, type, timeout, limit)

    def extend_job(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None,
                   lease_token: Optional[str] = None) -> JobV1:
        return self._controller.extend_job(correlation_id, job_id, timeout, lease_token)

    def abort_job(self, correlation_id: Optional[str], job_id: str, lease_token: Optional[str] = None) -> JobV1:
        return self._controller.abort_job(correlation_id, job_id, lease_token)

    def complete_job(self, correlation_id: Optional[str], job_id: str, result: Any = None,
                     lease_token: Optional[str] = None) -> JobV1:
        return self._controller.complete_job(correlation_id, job_id, result, lease_token)

    def complete_jobs(self, correlation_id: Optional[str], job_ids: List[str],
                      results: Optional[List[Any]] = None, lease_tokens: Any = None) -> List[Optional[JobV1]]:
        return self._controller.complete_jobs(correlation_id, job_ids, results, lease_tokens)

    def report_jobs(self, correlation_id: Optional[str], reports: List[dict], take: Optional[dict] = None,
                    quiet: bool = False, worker: Optional[dict] = None) -> dict:
        return self._controller.report_jobs(correlation_id, reports, take, quiet, worker)

    def fail_job(self, correlation_id: Optional[str], job_id: str, error: Optional[str] = None,
                 lease_token: Optional[str] = None) -> JobV1:
        return self._controller.fail_job(correlation_id, job_id, error, lease_token)

    def delete_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        return self._controller.delete_job_by_id(correlation_id, job_id)

    def delete_jobs(self, correlation_id: Optional[str]) -> None:
        self._controller.delete_jobs(correlation_id)

    # --- running jobs ------------------------------------------------------------------------
    def cancel_job(self, correlation_id: Optional[str], job_id: str, reason: Optional[str] = None) -> JobV1:
        return self._controller.cancel_job(correlation_id, job_id, reason)

    def set_job_progress(self, correlation_id: Optional[str], job_id: str, progress: float,
                         message: Optional[str] = None, lease_token: Optional[str] = None) -> JobV1:
        return self._controller.set_job_progress(correlation_id, job_id, progress, message, lease_token)

    def add_job_log(self, correlation_id: Optional[str], job_id: str, lines: List[dict],
                    lease_token: Optional[str] = None) -> dict:
        return self._controller.add_job_log(correlation_id, job_id, lines, lease_token)

    def get_job_log(self, correlation_id: Optional[str], job_id: str, skip: Optional[int] = None,
                    take: Optional[int] = None) -> dict:
        return self._controller.get_job_log(correlation_id, job_id, skip, take)

    def get_workers(self, correlation_id: Optional[str]) -> List[Any]:
        return self._controller.get_workers(correlation_id)

    # --- limits, backoff, batches ------------------------------------------------------------
    def retry_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None) -> int:
        return self._controller.retry_jobs(correlation_id, filter)

    def set_queue_limits(self, correlation_id: Optional[str], type: str, concurrency: Optional[int] = None,
                         rate: Optional[dict] = None, group_concurrency: Optional[int] = None) -> dict:
        return self._controller.limits.set_limits(correlation_id, type, concurrency, rate, group_concurrency)

    def get_queue_limits(self, correlation_id: Optional[str], type: Optional[str] = None) -> List[dict]:
        return self._controller.limits.get_limits(correlation_id, type)

    def clear_queue_limits(self, correlation_id: Optional[str], type: str) -> dict:
        return self._controller.limits.clear_limits(correlation_id, type)

    def add_batch(self, correlation_id: Optional[str], jobs: List[Any], callback_url: Optional[str] = None,
                  description: Optional[str] = None) -> dict:
        return self._controller.batches.add_batch(correlation_id, jobs, callback_url, description)

    def get_batch(self, correlation_id: Optional[str], batch_id: str) -> dict:
        return self._controller.batches.get_batch(correlation_id, batch_id)

    def cancel_batch(self, correlation_id: Optional[str], batch_id: str) -> dict:
        return self._controller.batches.cancel_batch(correlation_id, batch_id)

    def get_queue_groups(self, correlation_id: Optional[str], type: str, limit: Optional[int] = None) -> List[dict]:
        return self._controller.limits.get_groups(correlation_id, type, limit)

    def add_workflow(self, correlation_id: Optional[str], jobs: List[dict], callback_url: Optional[str] = None,
                     description: Optional[str] = None) -> dict:
        return self._controller.batches.add_workflow(correlation_id, jobs, callback_url, description)

    def get_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict:
        return self._controller.batches.get_workflow(correlation_id, workflow_id)

    def cancel_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict:
        return self._controller.batches.cancel_workflow(correlation_id, workflow_id)
