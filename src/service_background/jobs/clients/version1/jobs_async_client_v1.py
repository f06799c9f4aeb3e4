"""asyncio client of the jobs domain: the methods of JobsHttpClientV1 (POST /v1/jobs/<command>,
durations in ms, typed JobV1 results) as coroutines, plus the queue face's long-poll take ``want_job``.

A job the service returns with a ``lease_token`` (fenced leases) keeps it as ``job.lease_token``;
pass it back through the ``lease_token`` arguments (sent only when given)."""
import asyncio
from typing import Any, Dict, List, Optional, overload

import msgspec
from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.common.clients.async_commandable_http_client import (
    AsyncCommandableHttpClient,
    decode_reply,
    with_lease_token,
)
from service_background.jobs.clients.version1.add_linger import AddLinger
from service_background.jobs.clients.version1.jobs_http_client_v1 import new_job_of, report_body
from service_background.jobs.clients.version1.lazy_job import LazyJobV1, job_id_of
from service_background.jobs.data.version1 import JobV1, NewJobV1


@overload
def _job(data: None) -> None: ...


@overload
def _job(data: Dict[str, Any]) -> JobV1: ...


def _job(data: Optional[Dict[str, Any]]) -> Optional[JobV1]:
    """A job's JSON as a JobV1 that keeps the reply's lease_token (None stays None)."""
    return with_lease_token(JobV1.from_json(data), data)


def _fenced(params: dict, lease_token: Optional[str]) -> dict:
    if lease_token is not None:
        params['lease_token'] = lease_token
    return params


class JobsAsyncClientV1(AsyncCommandableHttpClient):

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0,
                 max_connections: int = 100, linger_ms: float = 2.0):
        """``linger_ms``: how long ``enqueue_soon`` holds a job for others to share its add_jobs call."""
        super().__init__('v1/jobs', url, token, timeout, max_connections)
        self._linger = AddLinger(self._add_ids, linger_ms)

    async def _add_ids(self, new_jobs: List[dict]) -> List[str]:
        raw = await self.call_command_raw('add_jobs', None, {'new_jobs': new_jobs}, minimal=True)
        return [item['id'] for item in msgspec.json.decode(raw)]

    def enqueue_soon(self, type: str, params: Any = None, **fields: Any) -> 'asyncio.Future[str]':
        """As ``enqueue``, without waiting: the job is sent with the others added within ``linger_ms`` (up
        to 1,000) in one add_jobs call. Returns a future of its id; ``flush()`` (and ``close_async``) wait
        until every job held is acknowledged, and raise the first failure. Opt-in batching for producers
        that add one job at a time: a job is durable once its future is done, not when this returns."""
        return self._linger.add(new_job_of(type, params, fields))

    async def flush(self) -> None:
        """Sends the jobs ``enqueue_soon`` holds and waits for every answer; raises the first failure."""
        await self._linger.flush()

    async def close_async(self, correlation_id: Optional[str] = None) -> None:
        try:
            await self._linger.flush()
        finally:
            await super().close_async(correlation_id)

    async def _one(self, name: str, correlation_id: Optional[str], params: dict) -> JobV1:
        """A command whose reply is one job (a refusal is raised)."""
        return _job(await self.call_command(name, correlation_id, params))

    async def _many(self, name: str, correlation_id: Optional[str], params: dict) -> List[JobV1]:
        return [_job(d) for d in await self.call_command(name, correlation_id, params) or []]

    async def add_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1:
        """The job added; its fields are decoded from the reply only when first read."""
        raw = await self.call_command_raw('add_job', correlation_id, {'new_job': new_job})
        return LazyJobV1.of(raw)  # type: ignore[return-value]  # add_job answers the job: never an empty body

    async def enqueue(self, type: str, params: Any = None, **fields: Any) -> str:
        """Adds one job of ``type`` (``fields``: any NewJobV1 field, e.g. priority, delay, timeout,
        max_retries, unique); returns its id (the service answers the id alone)."""
        raw = await self.call_command_raw('add_job', None, {'new_job': new_job_of(type, params, fields)},
                                              minimal=True)
        return job_id_of(raw)  # type: ignore[return-value]  # add_job answers the job, and every job has an id

    async def add_jobs(self, correlation_id: Optional[str], new_jobs: List[NewJobV1]) -> List[JobV1]:
        return await self._many('add_jobs', correlation_id, {'new_jobs': new_jobs})

    async def add_uniq_job(self, correlation_id: Optional[str], new_job: NewJobV1) -> JobV1:
        return await self._one('add_uniq_job', correlation_id, {'new_job': new_job})

    async def add_workflow(self, correlation_id: Optional[str], jobs: List[dict], callback_url: Optional[str] = None,
                           description: Optional[str] = None) -> dict:
        """A DAG of jobs at once (job_workflows.py): {id, jobs: {key: job_id}}."""
        return await self.call_command('add_workflow', correlation_id,
                                       {'jobs': jobs, 'callback_url': callback_url, 'description': description})

    async def get_workflow(self, correlation_id: Optional[str], workflow_id: str) -> dict:
        return await self.call_command('get_workflow', correlation_id, {'workflow_id': workflow_id})

    async def get_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                       paging: Optional[PagingParams] = None) -> DataPage:
        page = await self.call_command('get_jobs', correlation_id, {'filter': filter, 'paging': paging})
        return DataPage([_job(d) for d in page.get('data', [])], page.get('total'))

    async def get_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        return await self._one('get_job_by_id', correlation_id, {'job_id': job_id})

    async def start_job_by_id(self, correlation_id: Optional[str], job_id: str,
                              timeout: Optional[int] = None) -> JobV1:
        return await self._one('start_job_by_id', correlation_id, {'job_id': job_id, 'timeout': timeout})

    async def start_job_by_type(self, correlation_id: Optional[str], type: str,
                                timeout: Optional[int] = None) -> Optional[JobV1]:
        reply = await self.call_command('start_job_by_type', correlation_id, {'type': type, 'timeout': timeout})
        return _job(reply)  # None: no job was queued

    async def start_jobs_by_type(self, correlation_id: Optional[str], type: str, timeout: Optional[int] = None,
                                 limit: int = 1) -> List[JobV1]:
        return await self._many('start_jobs_by_type', correlation_id,
                                {'type': type, 'timeout': timeout, 'limit': limit})

    async def want_job(self, correlation_id: Optional[str], type: Optional[str], block_for: Optional[float] = None,
                       timeout: Optional[float] = None, worker_id: Optional[str] = None) -> Optional[JobV1]:
        """The queue face's ``POST /want_job``: a job of ``type`` (any type when None), waiting up to
        ``block_for`` ms for one to arrive; the lease is ``timeout`` ms (the job's own timeout when
        None); ``worker_id`` names the caller on the job taken. None: no job within the wait."""
        headers: Dict[str, str] = {}
        if block_for is not None:
            headers['X-Accepted-Block-For'] = _seconds(block_for)
        if timeout is not None:
            headers['X-Accepted-Timeout'] = _seconds(timeout)
        body: Dict[str, Any] = {'queue': type} if type else {}
        if worker_id is not None:
            body['worker_id'] = worker_id
        response = await self.request('POST', '/want_job', correlation_id, body, headers=headers,
                                      wait=(block_for or 0) / 1000.0)
        return None if response is None else _job(decode_reply(response))

    async def extend_job(self, correlation_id: Optional[str], job_id: str, timeout: Optional[int] = None,
                         lease_token: Optional[str] = None) -> JobV1:
        return await self._one('extend_job', correlation_id,
                               _fenced({'job_id': job_id, 'timeout': timeout}, lease_token))

    async def abort_job(self, correlation_id: Optional[str], job_id: str, lease_token: Optional[str] = None) -> JobV1:
        return await self._one('abort_job', correlation_id, _fenced({'job_id': job_id}, lease_token))

    async def complete_job(self, correlation_id: Optional[str], job_id: str, result: Any = None,
                           lease_token: Optional[str] = None) -> JobV1:
        return await self._one('complete_job', correlation_id,
                               _fenced({'job_id': job_id, 'result': result}, lease_token))

    async def complete_jobs(self, correlation_id: Optional[str], job_ids: List[str],
                            results: Optional[List[Any]] = None, lease_tokens: Any = None) -> List[Optional[JobV1]]:
        """Completes many jobs in one call: a list as long as ``job_ids`` (None where an id was not
        completed); ``lease_tokens`` a list as long as ``job_ids`` or a map id -> token."""
        params: dict = {'job_ids': job_ids}
        if results is not None:
            params['results'] = results
        if lease_tokens is not None:
            params['lease_tokens'] = lease_tokens
        return [_job(d) if d is not None else None
                for d in await self.call_command('complete_jobs', correlation_id, params) or []]

    async def report_jobs(self, correlation_id: Optional[str], reports: List[dict], take: Optional[dict] = None,
                          quiet: bool = False) -> dict:
        """Many outcomes in one call (IJobsClientV1.report_jobs): {results, jobs}."""
        reply = await self.call_command('report_jobs', correlation_id, report_body(reports, take, quiet))
        return {'results': reply.get('results', []), 'jobs': [_job(d) for d in reply.get('jobs') or []]}

    async def retry_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None) -> int:
        return (await self.call_command('retry_jobs', correlation_id, {'filter': filter}))['count']

    async def fail_job(self, correlation_id: Optional[str], job_id: str, error: Optional[str] = None,
                       lease_token: Optional[str] = None) -> JobV1:
        return await self._one('fail_job', correlation_id, _fenced({'job_id': job_id, 'error': error}, lease_token))

    async def delete_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        return await self._one('delete_job_by_id', correlation_id, {'job_id': job_id})

    async def delete_jobs(self, correlation_id: Optional[str]) -> None:
        await self.call_command('delete_jobs', correlation_id)


def _seconds(ms: float) -> str:
    return repr(round(ms / 1000.0, 3))
