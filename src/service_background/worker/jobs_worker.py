"""JobsWorker: runs registered functions for jobs of their type.

    worker = JobsWorker(url='http://127.0.0.1:8080', token=None, concurrency=8)
    worker.handle('mail', send_mail)      # def send_mail(job) -> result, or async def
    worker.run()                           # until SIGTERM/SIGINT; returns the exit code

Fetching: per type, a batch take (``start_jobs_by_type`` with limit = the free slots) while the
queue has jobs, else one long-poll ``POST /want_job`` (X-Accepted-Block-For) at a time, so an idle
worker sends one request per ``block_for`` seconds. Leases are extended at half their length while
the handler runs; a 404/409 answer to an extension means the lease is lost: extending stops and
the outcome is not reported (the job is someone else's now). A ``lease_token`` on the job is passed
back on every extend/complete/fail/abort."""
import asyncio
from typing import Any, List, Optional

from pip_services3_commons.config import ConfigParams

from ..common.json_util import to_json
from ..jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1
from .base_worker import BaseWorker, HandlerTimeout, Item, REPORT_GRACE, log
from .support import error_status, format_error, is_transient

LEASE_LOST = (404, 409, 410)


class JobsWorker(BaseWorker):

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, concurrency: int = 8,
                 lease: Optional[float] = None, block_for: float = 5.0, grace: float = 30.0,
                 time_limit: Optional[float] = None, requeue_errors: bool = True):
        """``lease``: seconds asked on each take (None: the job's own ``timeout``, else the service's
        default); ``block_for``: seconds of one long-poll; ``grace``: seconds running handlers get
        at shutdown; ``time_limit``: seconds a handler may run (None: no limit); ``requeue_errors``:
        an error with attempts left gives the job back at once (abort_job) and only the last
        attempt is failed, so a job is tried up to ``max_retries`` times."""
        super().__init__(url, token, concurrency, grace, time_limit)
        self._lease = lease if lease and lease > 0 else None
        self._block_for = max(0.0, float(block_for))
        self._requeue_errors = requeue_errors

    def configure(self, config: ConfigParams):
        """Also options.lease, options.block_for (seconds) and options.requeue_errors."""
        super().configure(config)
        lease = config.get_as_float_with_default('options.lease', self._lease or 0)
        self._lease = lease if lease > 0 else None
        self._block_for = config.get_as_float_with_default('options.block_for', self._block_for)
        self._requeue_errors = config.get_as_boolean_with_default('options.requeue_errors', self._requeue_errors)

    def _make_client(self) -> JobsAsyncClientV1:
        return JobsAsyncClientV1(self.url, self._token, max_connections=2 * self._concurrency + 2 * len(self._handlers))

    def _fetchers(self) -> List:
        return [self._fetch_loop(job_type) for job_type in self._handlers]

    # --- fetching -------------------------------------------------------------------------------
    async def _fetch_loop(self, job_type: str):
        handler = self._handlers[job_type]
        lease_ms = int(self._lease * 1000) if self._lease else None
        block_ms = self._block_for * 1000
        idle = False  # the last long-poll found nothing: go on long-polling only
        while not self._stopping:
            await self._slots.wait()
            jobs = []
            ticket = self.state.ticket()
            try:
                n = min(self._slots.free, 1000)
                if n > 1 and not idle:
                    self._slots.take(n)
                    try:
                        jobs = await self._call_service(
                            self.client.start_jobs_by_type(None, job_type, lease_ms, n), self._give_back_jobs)
                    finally:
                        self._slots.give(n - len(jobs))
                if not jobs:
                    self._slots.take(1)
                    job = None
                    try:
                        job = await self._call_service(self.client.want_job(None, job_type, block_ms, lease_ms),
                                                       self._give_back_jobs)
                    finally:
                        if job is None:
                            self._slots.give(1)
                    jobs = [job] if job is not None else []
                    idle = not jobs
                self.state.ok(ticket)
            except asyncio.CancelledError:
                raise
            except Exception as ex:  # noqa: BLE001 - the service is away or refuses: back off
                if self._fatal(ex):
                    return
                await asyncio.sleep(self.state.failed(ex))
                continue
            self._count('taken', len(jobs))
            for job in jobs:
                self._start_item(job.id, job, handler)

    # --- one job --------------------------------------------------------------------------------
    def _lease_ms(self, job) -> Optional[float]:
        if job.locked_until is not None and job.started is not None:
            granted = (job.locked_until - job.started).total_seconds() * 1000
            if granted > 0:
                return granted
        return self._lease * 1000 if self._lease else job.timeout

    async def _process(self, item: Item):
        job = item.obj
        token = getattr(job, 'lease_token', None)
        lease_ms = self._lease_ms(job)
        loop = asyncio.get_running_loop()
        timer = None
        if lease_ms:
            timer = loop.call_later(lease_ms / 2000.0, self._start_extender, item, lease_ms, token)
        try:
            result = await self._call(item, self._limit(item))
            action, value = 'complete', result
            if result is not None and not isinstance(result, (str, int, float, bool)):
                try:
                    to_json(result)
                except (TypeError, ValueError) as ex:
                    action, value = 'error', f'TypeError: the result is not JSON: {ex}'
        except asyncio.CancelledError:
            raise
        except HandlerTimeout as ex:
            self._count('timed_out')
            action, value = 'error', f'TimeoutError: {ex}'
        except BaseException as ex:  # noqa: B902 - every handler failure is the job's outcome
            action, value = 'error', format_error(ex)
        finally:
            if timer is not None:
                timer.cancel()
            if item.extender is not None and not item.extending:
                item.extender.cancel()  # asleep; one in a call ends after it (a call is never cancelled)
        self._to_report(item)
        if item.lease_lost:
            self._count('lease_lost')
            log.warning('job %s: lease was lost, outcome (%s) not reported', job.id, action)
            return
        if action == 'error':
            first_line = value.split('\n', 1)[0]
            if self._requeue_errors and (job.retries or 0) < (job.max_retries or 0):
                log.warning('job %s (%s) attempt %s/%s failed, given back: %s', job.id, job.type, job.retries,
                            job.max_retries, first_line)
                action = 'requeue'
            else:
                log.warning('job %s (%s) failed: %s', job.id, job.type, first_line)
                action = 'fail'
        await self._report(job, action, value, token)

    def _start_extender(self, item: Item, lease_ms: float, token: Optional[str]):
        if item.phase == 'handler':
            item.extender = asyncio.ensure_future(self._extend_loop(item, lease_ms, token))

    async def _extend_loop(self, item: Item, lease_ms: float, token: Optional[str]):
        interval = lease_ms / 2000.0
        while item.phase == 'handler':
            item.extending = True
            try:
                await self.client.extend_job(None, item.key, int(lease_ms), lease_token=token)
                self._count('extended')
                wait = interval
            except Exception as ex:  # noqa: BLE001
                if error_status(ex) in LEASE_LOST:
                    item.lease_lost = True
                    log.warning('job %s: lease lost (%s); no longer extended', item.key, ex)
                    return
                wait = min(interval / 2, self.state.failed(ex))  # try again well before it runs out
            finally:
                item.extending = False
            if item.phase != 'handler':
                return
            await asyncio.sleep(wait)

    async def _report(self, job, action: str, value: Any, token: Optional[str]) -> bool:
        loop = asyncio.get_running_loop()
        while True:
            ticket = self.state.ticket()
            try:
                if action == 'complete':
                    await self.client.complete_job(None, job.id, value, lease_token=token)
                    self._count('completed')
                elif action == 'requeue':
                    await self.client.abort_job(None, job.id, lease_token=token)
                    self._count('requeued')
                else:
                    await self.client.fail_job(None, job.id, value, lease_token=token)
                    self._count('failed')
                self.state.ok(ticket)
                return True
            except asyncio.CancelledError:
                raise
            except Exception as ex:  # noqa: BLE001
                if not is_transient(ex):
                    self._count('rejected')
                    log.warning('job %s: %s not accepted: %s', job.id, action, ex)
                    return False
                delay = self.state.failed(ex)
                if self._stopping and loop.time() + delay > self._deadline + REPORT_GRACE:
                    log.error('job %s: gave up reporting %s at shutdown: %s', job.id, action, ex)
                    return False
                await asyncio.sleep(delay)

    async def _give_back(self, items: List[Item]):
        await self._give_back_jobs([item.obj for item in items])

    async def _give_back_jobs(self, jobs: list):
        async def abort(job):
            try:
                await self.client.abort_job(None, job.id, lease_token=getattr(job, 'lease_token', None))
                self._count('given_back')
            except Exception as ex:  # noqa: BLE001
                log.warning('job %s: could not give it back: %s', job.id, ex)
        await asyncio.gather(*(abort(job) for job in jobs))

    def _orphan_wait(self) -> float:
        return self._block_for + 1.0
