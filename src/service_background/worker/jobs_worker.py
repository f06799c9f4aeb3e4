"""JobsWorker: runs registered functions for jobs of their type, batch first.

    worker = JobsWorker(url='http://127.0.0.1:8080', token=None, concurrency=8)
    worker.handle('mail', send_mail)      # def send_mail(job) -> result, or async def
    worker.run()                           # until SIGTERM/SIGINT; returns the exit code

Producers add jobs with one call (a keep-alive connection per thread, only the id decoded):

    from service_background.worker import enqueue
    job_id = enqueue('mail', {'to': 'a@b.c'}, url='http://127.0.0.1:8080')   # or WORKER_URL

Fetching: per type, takes sized to the free slots plus a prefetch (worker/pacing.py: enough jobs to
cover one round trip at the handlers' pace), so a free handler never waits for the service; when the
queue is empty, one long-poll ``POST /want_job`` (X-Accepted-Block-For) at a time, so an idle worker
sends one request per ``block_for`` seconds. Outcomes (complete, fail, give back) and lease extensions
are coalesced (worker/outcome_batcher.py) into ``report_jobs`` calls, each fenced by its job's
``lease_token``; the next take rides along with them. Leases are extended at half their length while
the job is held; an extension refused LEASE_LOST (or NOT_FOUND) means the job is someone else's now:
its outcome is dropped, alone. A stop sends every buffered outcome before the process exits; a
process killed with outcomes unsent loses only that work (the jobs come back after their lease).

Inside a handler ``current()`` (worker/job_context.py) gives its job, ``progress()``, ``cancelled`` and
``traceparent``; its progress and ``logging`` lines are shipped as reports (worker/job_telemetry.py). Every
call names the worker (worker/heartbeat.py), which heartbeats when no other call went out for a period;
a reply's ``cancel`` list cancels those jobs: an async handler's task is cancelled, a sync handler sees
``current().cancelled``, a job not started yet is not run, and each is reported ``cancel``."""
import asyncio
from functools import partial
from typing import Any, Callable, List, Optional, Tuple

from pip_services3_commons.config import ConfigParams

from service_background.common.data.clock import to_datetime
from service_background.common.data.json_util import to_json
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1
from service_background.jobs.clients.version1.lazy_job import LazyJobV1
from service_background.jobs.data.version1 import JobV1
from service_background.worker import log_capture
from service_background.worker.base_worker import BaseWorker, Fetcher, HandlerTimeout, Item, Take, log
from service_background.worker.errors import format_error
from service_background.worker.handlers import Handler
from service_background.worker.heartbeat import DEFAULT_HEARTBEAT, Heartbeat, WorkerIdentity
from service_background.worker.job_context import JobContext
from service_background.worker.job_telemetry import JobTelemetry
from service_background.worker.outcome_batcher import GONE, OutcomeBatcher
from service_background.worker.pacing import Pacer

LEASE_LOST = GONE
DEFAULT_GATHER = 0.002  # seconds: while jobs trickle in, one take per this (a job waits at most this longer)


class JobsWorker(BaseWorker[JobsAsyncClientV1]):

    # made with the client (_make_client) before any use
    _batcher: OutcomeBatcher
    _pacer: Pacer
    _gate: asyncio.Semaphore
    _identity: WorkerIdentity
    _telemetry: JobTelemetry

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, concurrency: int = 8,
                 lease: Optional[float] = None, block_for: float = 5.0, grace: float = 30.0,
                 time_limit: Optional[float] = None, requeue_errors: bool = True,
                 prefetch: Optional[int] = None, heartbeat: float = DEFAULT_HEARTBEAT,
                 gather: float = DEFAULT_GATHER) -> None:
        """``lease``: seconds asked on each take (None: the job's own ``timeout``, else the service's
        default); ``block_for``: seconds of one long-poll; ``grace``: seconds running handlers get
        at shutdown; ``time_limit``: seconds a handler may run (None: no limit); ``requeue_errors``:
        an error with attempts left gives the job back at once (abort_job) and only the last
        attempt is failed, so a job is tried up to ``max_retries`` times; ``prefetch``: jobs held
        beyond the running ones (None: paced by the measured handler time and round trip); ``heartbeat``:
        seconds between the calls that tell the service the worker lives (0: none); ``gather``: seconds a
        take waits when the last one found fewer jobs than it asked for (0: long-poll one by one)."""
        super().__init__(url, token, concurrency, grace, time_limit)
        self._lease = lease if lease and lease > 0 else None
        self._block_for = max(0.0, float(block_for))
        self._requeue_errors = requeue_errors
        self._prefetch = prefetch if prefetch is None else max(0, int(prefetch))
        self._queued = 0
        self._last_dates: Tuple[Any, Any] = (None, None)
        self._last_granted: Optional[float] = None
        self._heartbeat = max(0.0, float(heartbeat))
        self._gather = max(0.0, float(gather))
        self._busy = 0  # handlers running now
        self._background: List[asyncio.Task] = []  # the heartbeat and the telemetry shipping
        self.worker_id: Optional[str] = None  # the id it names itself with on its calls, once it runs

    def configure(self, config: ConfigParams) -> None:
        """Also options.lease, options.block_for, options.heartbeat, options.gather (seconds),
        options.requeue_errors, options.prefetch."""
        super().configure(config)
        prefetch = config.get_as_nullable_integer('options.prefetch')
        self._prefetch = self._prefetch if prefetch is None else max(0, prefetch)
        lease = config.get_as_float_with_default('options.lease', self._lease or 0)
        self._lease = lease if lease > 0 else None
        self._block_for = config.get_as_float_with_default('options.block_for', self._block_for)
        self._requeue_errors = config.get_as_boolean_with_default('options.requeue_errors', self._requeue_errors)
        self._heartbeat = max(0.0, config.get_as_float_with_default('options.heartbeat', self._heartbeat))
        self._gather = max(0.0, config.get_as_float_with_default('options.gather', self._gather))

    def _make_client(self) -> JobsAsyncClientV1:
        client = JobsAsyncClientV1(self.url, self._token, max_connections=4 + 2 * len(self._handlers))
        self._identity = WorkerIdentity(self._handlers, self._concurrency, self._heartbeat)
        self.worker_id = self._identity.id
        self._batcher = OutcomeBatcher(client, self._state, self._count, self._fatal, describe=self._describe,
                                       on_cancel=self._cancel)
        self._telemetry = JobTelemetry(self._batcher.add)
        self._busy = 0
        self._pacer = Pacer(self._concurrency, self._prefetch)
        self._gate = asyncio.Semaphore(self._concurrency)
        self._queued = 0
        return client

    def _fetchers(self) -> List[Fetcher]:
        return [self._poll(job_type, self._taker(job_type)) for job_type in self._handlers]

    def _on_started(self) -> None:
        log_capture.install()
        self._background = [asyncio.ensure_future(self._telemetry.run())]
        if self._heartbeat > 0:
            beat = Heartbeat(self._beat, lambda: self._batcher.last_call, self._heartbeat)
            self._background.append(asyncio.ensure_future(beat.run()))

    def _on_stopped(self) -> None:
        for task in self._background:
            task.cancel()
        self._background = []
        log_capture.uninstall()

    # --- the worker's name and its cancels ------------------------------------------------------
    async def _beat(self) -> None:
        self._count('heartbeats')
        await self._batcher.flush(beat=True)

    def _describe(self) -> dict:
        """The ``worker`` object of one call: who it is and the jobs in its hands."""
        return self._identity.describe(list(self._running), self._busy)

    def _cancel(self, job_ids: list) -> None:
        """A reply's cancel requests: a job not started yet is not run, an async handler is cancelled, a
        sync one sees ``current().cancelled``; none is extended any more (a handler that runs on loses its
        lease, and the service then cancels the job); each is reported ``cancel`` when it ends."""
        for job_id in job_ids:
            item = self._running.get(job_id)
            if item is None or item.phase not in ('queued', 'handler'):
                continue
            context = item.context
            if context is None or context.cancelled:
                continue
            context.cancelled = True
            log.info('job %s: cancel requested', job_id)
            if item.extender is not None:
                item.extender.cancel()
            if item.phase == 'queued' or item.handler.is_async:
                item.interrupted = True
                item.task.cancel()

    # --- fetching -------------------------------------------------------------------------------
    def _ready_to_take(self) -> bool:
        """A take when half the holding room is free, or at once when no taken job waits to run."""
        slots = self._slots
        return slots.free > 0 and (self._queued == 0 or slots.free * 2 >= slots.size)

    def _taker(self, job_type: str) -> Take:
        """The take of one type: a batch sized to the free slots (riding with the buffered outcomes),
        and when it comes back empty one long-poll. While jobs trickle in (a take found fewer than it
        asked for, or a long-poll found one), the next take waits ``gather`` first, so one take and one
        report serve the jobs that came meanwhile instead of a call per job; without a gather, long-polls
        go on until one finds a job that was queued already."""
        lease_ms = int(self._lease * 1000) if self._lease else None
        block_ms = self._block_for * 1000
        idle = False  # the last long-poll found nothing: go on long-polling only
        trickle = False  # the last take found fewer jobs than it asked for: jobs come one by one

        async def take() -> list:
            nonlocal idle, trickle
            loop = asyncio.get_running_loop()
            if trickle and not idle and self._gather > 0:
                await asyncio.sleep(self._gather)  # a few more arrive meanwhile: one take (and report) for them all
            self._slots.resize(self._pacer.capacity())
            await self._slots.wait_until(self._ready_to_take)
            jobs: list = []
            n = min(self._slots.free, 1000)
            if not idle:
                self._slots.take(n)
                batch: dict = {'type': job_type, 'limit': n}
                if lease_ms:
                    batch['timeout'] = lease_ms
                started = loop.time()
                try:
                    jobs = await self._call_service(self._batcher.flush(batch), self._give_back_jobs)
                finally:
                    self._slots.give(n - len(jobs))
                self._pacer.trip_took(loop.time() - started)
                trickle = len(jobs) < n
            if not jobs:
                self._slots.take(1)
                job = None
                started = loop.time()
                try:
                    job = await self._call_service(self._client.want_job(None, job_type, block_ms, lease_ms,
                                                                         self.worker_id), self._give_back_jobs)
                finally:
                    if job is None:
                        self._slots.give(1)
                jobs = [job] if job is not None else []
                if self._gather > 0:  # a job came: gather the next ones for a batch take
                    idle, trickle = job is None, job is not None
                else:
                    idle = job is None or not self._pacer.found_waiting(loop.time() - started)
            return jobs
        return take

    async def _taken(self, name: str, handler: Handler, items: list) -> None:
        self._count('taken', len(items))
        self._queued += len(items)
        changed = self._telemetry.changed
        for job in items:
            if isinstance(job, LazyJobV1):
                context = JobContext(job, job.peek('lease_token'), job.peek('trace_context'), changed)
            else:
                context = JobContext(job, getattr(job, 'lease_token', None), job.trace_context, changed)
            self._start_item(job.id, job, handler, 'queued', context)

    # --- one job --------------------------------------------------------------------------------
    def _lease_ms(self, job: JobV1) -> Optional[float]:
        """The lease granted: as asked, else the job's own timeout, else as the service's dates say."""
        if self._lease:
            return self._lease * 1000
        peek: Callable[[str], Any] = job.peek if isinstance(job, LazyJobV1) else job.__getattribute__
        if peek('timeout'):
            return peek('timeout')
        dates = peek('locked_until'), peek('started')
        if dates[0] is None or dates[1] is None:
            return None
        if dates != self._last_dates:  # the jobs of one take share both dates: parsed once
            granted = (to_datetime(dates[0]) - to_datetime(dates[1])).total_seconds() * 1000
            self._last_dates, self._last_granted = dates, (granted if granted > 0 else None)
        return self._last_granted

    async def _process(self, item: Item) -> None:
        job, context = item.obj, item.context
        assert context is not None, '_taken gives every job its context'
        token = context.lease_token
        lease_ms = self._lease_ms(job)
        loop = asyncio.get_running_loop()
        timer = None
        if lease_ms:
            timer = loop.call_later(lease_ms / 2000.0, self._start_extender, item, lease_ms, token)
        try:
            async with self._gate:
                self._queued -= 1
                item.phase = 'handler'
                if self._queued == 0:
                    self._slots.poke()  # the fetcher may take now
                if self._stopping:
                    item.phase = 'done'
                    self._buffer_give_backs([job])
                    return
                self._busy += 1
                try:
                    action, value = await self._run_handler(item, loop)
                finally:
                    self._busy -= 1
                item.phase = 'done'
        except asyncio.CancelledError:
            if item.phase != 'queued':
                raise
            self._queued -= 1
            if not item.interrupted or _uncancel() > 0:
                raise
            item.phase = 'done'  # its cancel came before it started: never run
            action, value = 'cancel', None
        finally:
            if timer is not None:
                timer.cancel()
            if item.extender is not None:
                item.extender.cancel()  # its extension, if one is buffered, still goes
        self._telemetry.finish(context, not item.lease_lost)
        if item.lease_lost:
            self._count('lease_lost')
            log.warning('job %s: lease was lost, outcome (%s) not reported', job.id, action)
            return
        report = {'job_id': job.id, 'outcome': action}
        if token is not None:
            report['lease_token'] = token
        if context.cancelled:
            log.info('job %s (%s) cancelled', job.id, job.type)
            report['outcome'] = 'cancel'
        elif action == 'complete':
            if value is not None:
                report['result'] = value
        else:
            first_line = value.split('\n', 1)[0]
            if self._requeue_errors and (job.retries or 0) < (job.max_retries or 0):
                log.warning('job %s (%s) attempt %s/%s failed, given back: %s', job.id, job.type, job.retries,
                            job.max_retries, first_line)
                report['outcome'] = 'abort'
            else:
                log.warning('job %s (%s) failed: %s', job.id, job.type, first_line)
                report['outcome'] = 'fail'
                report['error'] = value
        self._batcher.add(report)

    async def _run_handler(self, item: Item, loop: asyncio.AbstractEventLoop) -> Tuple[str, Any]:
        """('complete', result) or ('error', text)."""
        started = loop.time()
        try:
            result = await self._call(item, self._limit(item))
            action, value = 'complete', result
            if result is not None and not isinstance(result, (str, int, float, bool)):
                try:
                    to_json(result)
                except (TypeError, ValueError) as ex:
                    action, value = 'error', f'TypeError: the result is not JSON: {ex}'
        except asyncio.CancelledError:
            if not item.interrupted or _uncancel() > 0:
                raise  # a stop
            item.interrupted = False
            action, value = 'cancel', None
        except HandlerTimeout as ex:
            self._count('timed_out')
            action, value = 'error', f'TimeoutError: {ex}'
        except BaseException as ex:  # noqa: B902 - every handler failure is the job's outcome
            action, value = 'error', format_error(ex)
        if item.interrupted:  # the handler swallowed its cancellation: the task is not cancelled any more
            item.interrupted = False
            _uncancel()
        self._pacer.handler_ran(loop.time() - started)
        return action, value

    def _start_extender(self, item: Item, lease_ms: float, token: Optional[str]) -> None:
        if item.phase in ('queued', 'handler') and not _cancelled(item):
            item.extender = asyncio.ensure_future(self._extend_loop(item, lease_ms, token))

    async def _extend_loop(self, item: Item, lease_ms: float, token: Optional[str]) -> None:
        interval = lease_ms / 2000.0
        loop = asyncio.get_running_loop()
        while item.phase in ('queued', 'handler') and not _cancelled(item):
            answer: 'asyncio.Future[Optional[dict]]' = loop.create_future()
            report: dict = {'job_id': item.key, 'outcome': 'extend', 'timeout': int(lease_ms)}
            if token is not None:
                report['lease_token'] = token
            self._batcher.add(report, partial(_settle, answer))
            refusal = await answer
            if refusal is not None and refusal.get('status') in LEASE_LOST:
                item.lease_lost = True
                log.warning('job %s: lease lost (%s); no longer extended', item.key, refusal.get('code'))
                return
            await asyncio.sleep(interval if refusal is None else interval / 2)  # try again well before the end

    async def _give_back(self, items: List[Item]) -> None:
        self._buffer_give_backs([item.obj for item in items])

    async def _give_back_jobs(self, jobs: list) -> None:
        self._buffer_give_backs(jobs)

    def _buffer_give_backs(self, jobs: list) -> None:
        """Buffers an abort (give back) for each job; the batcher sends them."""
        for job in jobs:
            report = {'job_id': job.id, 'outcome': 'abort'}
            token = job.peek('lease_token') if isinstance(job, LazyJobV1) else getattr(job, 'lease_token', None)
            if token is not None:
                report['lease_token'] = token
            self._batcher.add(report, counter='given_back')

    async def _drain_outcomes(self, give_up_at: float) -> None:
        await self._batcher.close(give_up_at)

    def _orphan_wait(self) -> float:
        return self._block_for + 1.0


def _cancelled(item: Item) -> bool:
    return item.context is not None and item.context.cancelled


def _uncancel() -> int:
    """Takes back one cancellation of the running task (a cancel request's); the ones left (a stop's)."""
    task = asyncio.current_task()
    return task.uncancel() if task is not None else 0


def _settle(answer: 'asyncio.Future[Optional[dict]]', refusal: Optional[dict]) -> None:
    """An extension's outcome callback: ``answer`` gets the refusal (None: applied), once."""
    if not answer.done():
        answer.set_result(refusal)
