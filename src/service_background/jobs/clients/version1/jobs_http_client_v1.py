"""The synchronous jobs client over HTTP, with the report and new-job bodies the async client shares."""
from typing import Any, List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.common.clients.commandable_http_client import CommandableHttpClient
from service_background.jobs.clients.version1.i_jobs_client_v1 import IJobsClientV1
from service_background.jobs.clients.version1.lazy_job import LazyJobV1, job_id_of
from service_background.jobs.data.version1 import JobV1, NewJobV1


def new_job_of(type: str, params: Any, fields: dict) -> dict:
    """enqueue's new job: ``type``, ``params`` when given, and the other NewJobV1 fields named."""
    unknown = set(fields) - set(NewJobV1.field_names())
    if unknown:
        raise TypeError(f'not a NewJobV1 field: {", ".join(sorted(unknown))}')
    new_job = {'type': type, **{k: v for k, v in fields.items() if v is not None}}
    if params is not None:
        new_job['params'] = params
    return new_job


def _fenced(params: dict, lease_token: Optional[str]) -> dict:
    """Sends ``lease_token`` only when given: an unfenced call keeps the original command's exact body."""
    if lease_token is not None:
        params['lease_token'] = lease_token
    return params


def report_body(reports: List[dict], take: Optional[dict], quiet: bool, worker: Optional[dict] = None) -> dict:
    """report_jobs' body: ``take``, ``quiet`` and ``worker`` only when given."""
    params: dict = {'reports': reports}
    if take is not None:
        params['take'] = take
    if quiet:
        params['quiet'] = True
    if worker is not None:
        params['worker'] = worker
    return params


class JobsHttpClientV1(CommandableHttpClient, IJobsClientV1):
    """Calls POST /v1/jobs/<command>; returns typed JobV1 objects."""

    def __init__(self) -> None:
        super().__init__('v1/jobs')

    def _job(self, name: str, correlation_id: Optional[str], params: dict) -> JobV1:
        """A command whose reply is one job (a refusal is raised)."""
        return JobV1.from_json(self.call_command(name, correlation_id, params))

    def _jobs(self, name: str, correlation_id: Optional[str], params: dict) -> List[JobV1]:
        return [JobV1.from_json(d) for d in self.call_command(name, correlation_id, params) or []]

    def add_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1:
        """The job added; its fields are decoded from the reply only when first read."""
        raw = self.call_command_raw('add_job', correlation_id, {'new_job': new_job})
        return LazyJobV1.of(raw)  # type: ignore[return-value]  # add_job answers the job: never an empty body

    def enqueue(self, type: str, params: Any = None, **fields: Any) -> str:
        """Adds one job of ``type`` (``fields``: any NewJobV1 field, e.g. priority, delay, timeout,
        max_retries, unique); returns its id (the service answers the id alone)."""
        raw = self.call_command_raw('add_job', None, {'new_job': new_job_of(type, params, fields)},
                                        minimal=True)
        return job_id_of(raw)  # type: ignore[return-value]  # add_job answers the job, and every job has an id

    def add_jobs(self, correlation_id: Optional[str], new_jobs: List[NewJobV1]) -> List[JobV1]:
        return self._jobs('add_jobs', correlation_id, {'new_jobs': new_jobs})

    def add_uniq_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1:
        return self._job('add_uniq_job', correlation_id, {'new_job': new_job})

    def get_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                 paging: Optional[PagingParams] = None) -> DataPage:
        page = self.call_command('get_jobs', correlation_id, {'filter': filter, 'paging': paging})
        return DataPage([JobV1.from_json(d) for d in page.get('data', [])], page.get('total'))

    def get_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        return self._job('get_job_by_id', correlation_id, {'job_id': job_id})

    def start_job_by_id(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None) -> JobV1:
        return self._job('start_job_by_id', correlation_id, {'job_id': job_id, 'timeout': timeout})

    def start_job_by_type(self, correlation_id: Optional[str], type: str,
                          timeout: Optional[int] = None) -> Optional[JobV1]:
        reply = self.call_command('start_job_by_type', correlation_id, {'type': type, 'timeout': timeout})
        return JobV1.from_json(reply)  # None: no job was queued

    def start_jobs_by_type(self, correlation_id: Optional[str], type: str, timeout: Optional[int] = None,
                           limit: int = 1) -> List[JobV1]:
        return self._jobs('start_jobs_by_type', correlation_id, {'type': type, 'timeout': timeout, 'limit': limit})

    def extend_job(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None,
                   lease_token: Optional[str] = None) -> JobV1:
        return self._job('extend_job', correlation_id, _fenced({'job_id': job_id, 'timeout': timeout}, lease_token))

    def abort_job(self, correlation_id: Optional[str], job_id: str, lease_token: Optional[str] = None) -> JobV1:
        return self._job('abort_job', correlation_id, _fenced({'job_id': job_id}, lease_token))

    def complete_job(self, correlation_id: Optional[str], job_id: str, result: Any = None,
                     lease_token: Optional[str] = None) -> JobV1:
        return self._job('complete_job', correlation_id, _fenced({'job_id': job_id, 'result': result}, lease_token))

    def complete_jobs(self, correlation_id: Optional[str], job_ids: List[str],
                      results: Optional[List[Any]] = None, lease_tokens: Any = None) -> List[Optional[JobV1]]:
        params: dict = {'job_ids': job_ids}
        if results is not None:
            params['results'] = results
        if lease_tokens is not None:
            params['lease_tokens'] = lease_tokens
        return [JobV1.from_json(d) for d in self.call_command('complete_jobs', correlation_id, params) or []]

    def report_jobs(self, correlation_id: Optional[str], reports: List[dict], take: Optional[dict] = None,
                    quiet: bool = False, worker: Optional[dict] = None) -> dict:
        reply = self.call_command('report_jobs', correlation_id, report_body(reports, take, quiet, worker))
        result = {'results': reply.get('results', []), 'jobs': [JobV1.from_json(d) for d in reply.get('jobs') or []]}
        if 'cancel' in reply:
            result['cancel'] = reply['cancel']
        return result

    def fail_job(self, correlation_id: Optional[str], job_id: str, error: Optional[str] = None,
                 lease_token: Optional[str] = None) -> JobV1:
        return self._job('fail_job', correlation_id, _fenced({'job_id': job_id, 'error': error}, lease_token))

    def delete_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        return self._job('delete_job_by_id', correlation_id, {'job_id': job_id})

    def delete_jobs(self, correlation_id: Optional[str]) -> None:
        self.call_command('delete_jobs', correlation_id)

    # --- running jobs ------------------------------------------------------------------------
    def cancel_job(self, correlation_id: Optional[str], job_id: str, reason: Optional[str] = None) -> JobV1:
        return self._job('cancel_job', correlation_id, {'job_id': job_id, 'reason': reason})

    def set_job_progress(self, correlation_id: Optional[str], job_id: str, progress: float,
                         message: Optional[str] = None, lease_token: Optional[str] = None) -> JobV1:
        return self._job('set_job_progress', correlation_id,
                         _fenced({'job_id': job_id, 'progress': progress, 'message': message}, lease_token))

    def add_job_log(self, correlation_id: Optional[str], job_id: str, lines: List[dict],
                    lease_token: Optional[str] = None) -> dict:
        return self.call_command('add_job_log', correlation_id,
                                 _fenced({'job_id': job_id, 'lines': lines}, lease_token))

    def get_job_log(self, correlation_id: Optional[str], job_id: str, skip: Optional[int] = None,
                    take: Optional[int] = None) -> dict:
        return self.call_command('get_job_log', correlation_id, {'job_id': job_id, 'skip': skip, 'take': take})

    def get_workers(self, correlation_id: Optional[str]) -> List[dict]:
        return self.call_command('get_workers', correlation_id) or []

    # --- limits, backoff, batches ------------------------------------------------------------
    def retry_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None) -> int:
        return self.call_command('retry_jobs', correlation_id, {'filter': filter})['count']

    def set_queue_limits(self, correlation_id: Optional[str], type: str, concurrency: Optional[int] = None,
                         rate: Optional[dict] = None, group_concurrency: Optional[int] = None) -> dict:
        return self.call_command('set_queue_limits', correlation_id,
                                 {'type': type, 'concurrency': concurrency, 'rate': rate,
                                  'group_concurrency': group_concurrency})

    def get_queue_limits(self, correlation_id: Optional[str], type: Optional[str] = None) -> List[dict]:
        return self.call_command('get_queue_limits', correlation_id, {'type': type}) or []

    def clear_queue_limits(self, correlation_id: Optional[str], type: str) -> dict:
        return self.call_command('clear_queue_limits', correlation_id, {'type': type})

    def add_batch(self, correlation_id: Optional[str], jobs: List[Any], callback_url: Optional[str] = None,
                  description: Optional[str] = None) -> dict:
        return self.call_command('add_batch', correlation_id,
                                 {'jobs': jobs, 'callback_url': callback_url, 'description': description})

    def get_batch(self, correlation_id: Optional[str], batch_id: str) -> dict:
        return self.call_command('get_batch', correlation_id, {'batch_id': batch_id})

    def cancel_batch(self, correlation_id: Optional[str], batch_id: str) -> dict:
        return self.call_command('cancel_batch', correlation_id, {'batch_id': batch_id})

    def get_queue_groups(self, correlation_id: Optional[str], type: str, limit: Optional[int] = None) -> List[dict]:
        return self.call_command('get_queue_groups', correlation_id, {'type': type, 'limit': limit}) or []

    def add_workflow(self, correlation_id: Optional[str], jobs: List[dict], callback_url: Optional[str] = None,
                     description: Optional[str] = None) -> dict:
        return self.call_command('add_workflow', correlation_id,
                                 {'jobs': jobs, 'callback_url': callback_url, 'description': description})

    def get_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict:
        return self.call_command('get_workflow', correlation_id, {'workflow_id': workflow_id})

    def cancel_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict:
        return self.call_command('cancel_workflow', correlation_id, {'workflow_id': workflow_id})
