"""The jobs domain's long-polls without threads: async waiters per queue type (and ANY) and per job
result, woken by the controller's writes, by the lease timer when delayed jobs fall due, and for jobs
added or released by other processes on MongoDB by one signal poller per process that reads the shared
per-type counters, on PostgreSQL by the store's LISTEN/NOTIFY listener. No waiter re-queries on a timer:
an idle waiter costs nothing, and a queue a take just found empty is not taken from again until a job may
be there (empty_queues.py)."""
import asyncio
import contextvars
import threading
import time
from typing import Callable, Dict, List, Optional

from service_background.common.concurrency.async_signal import ANY, AsyncWaiters
from service_background.common.concurrency.blocking import pool, run_sync
from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.logic.empty_queues import EmptyQueueHints

_UNHINTED = ()  # any queue, or a limited or paused one: every want_job takes

class JobsLongPolls:

    def __init__(self, controller, logger):
        self._controller = controller
        self._logger = logger
        self._persistence = None
        self._signal_interval = 0.025
        self.job_waiters = AsyncWaiters()
        self.result_waiters = AsyncWaiters()
        self._poller: Optional[threading.Thread] = None
        self._poller_lock = threading.Lock()
        self._signals_seen: Dict[str, int] = {}
        self._opened = False
        self._empty = EmptyQueueHints()

    def open(self, persistence, signal_interval_ms: float):
        self._persistence = persistence
        self._signal_interval = max(1.0, signal_interval_ms) / 1000.0
        self.job_waiters.open()
        self.result_waiters.open()
        if self._has_signals():
            # the baseline, before any waiter: a job added by another process after it is never missed
            self._signals_seen = dict(persistence.read_queue_signals())
        if hasattr(persistence, 'listen_queue_signals'):  # PostgreSQL: pushed, not polled
            persistence.listen_queue_signals(self._wake_pushed)
        self._opened = True

    def close(self):
        self._opened = False
        self.job_waiters.close()
        self.result_waiters.close()

    # --- waiting --------------------------------------------------------------------------------
    async def want(self, correlation_id: Optional[str], type: Optional[str], wait_s: float,
                   take: Callable[[], List[JobV1]]) -> Optional[JobV1]:
        """Runs ``take`` until it returns a job or ``wait_s`` pass; between tries, waits to be woken."""
        deadline = time.monotonic() + wait_s
        key = ANY if type is None else type
        while True:
            waiter = self.job_waiters.register(key)  # before the take: a job stored after it wakes us
            try:
                hinted = type is not None and self._hint_applies(type)
                admitted = self._empty.admit(type) if hinted else _UNHINTED
                if admitted is not None:
                    found = None  # the take failed: what it found is unknown
                    try:
                        jobs = await self._take(correlation_id, take)
                        found = bool(jobs)
                    finally:
                        if hinted:
                            self._empty.taken(type, admitted, found)
                    if jobs:
                        return jobs[0]
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.job_waiters.closed:
                    return None
                self._ensure_poller()
                await waiter.wait(remaining)
            finally:
                self.job_waiters.discard(waiter)  # an unused wake goes to the next waiter

    async def _take(self, correlation_id: Optional[str], take: Callable[[], List[JobV1]]) -> List[JobV1]:
        if not self._controller.is_blocking():
            return take()
        context = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(pool(), context.run, take)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            # the caller is gone (client disconnected): a job taken meanwhile goes back to the queue
            future.add_done_callback(lambda f: self._give_back(correlation_id, f))
            raise

    def _give_back(self, correlation_id: Optional[str], future):
        if future.cancelled() or future.exception() is not None or not future.result():
            return
        for job in future.result():
            def unclaim(current: Optional[JobV1], job=job) -> Optional[JobV1]:
                if current is None or current.status != JobStatusV1.Running or current.retries != job.retries:
                    return None
                current.status = JobStatusV1.Queued
                current.retries = max(0, (current.retries or 0) - 1)
                current.started = None
                current.locked_until = None
                return current

            def run(job=job, unclaim=unclaim):
                try:
                    given_back = self._persistence.modify(correlation_id, job.id, unclaim)
                    self._controller.limits.job_left(given_back)  # its slot (queue limits) frees
                    self.notify_enqueued([given_back])
                except Exception as ex:
                    self._logger.error(correlation_id, ex, f'Could not give job {job.id} back')
            pool().submit(run)

    async def wait_result(self, job_id: str, wait_s: float, read: Callable[[], JobV1],
                          recheck_s: float) -> JobV1:
        """The job once ``read`` finds it finished, or as it is when ``wait_s`` ran out. Woken by this
        process's finishes; ``recheck_s`` bounds the wait for finishes by other processes (MongoDB, PostgreSQL)."""
        deadline = time.monotonic() + wait_s
        while True:
            waiter = self.result_waiters.register(job_id)
            try:
                job = await run_sync(self._controller.is_blocking(), read)
                remaining = deadline - time.monotonic()
                if job.is_finished or remaining <= 0 or self.result_waiters.closed:
                    return job
                await waiter.wait(min(remaining, recheck_s) if self._is_shared() else remaining)
            finally:
                self.result_waiters.discard(waiter)

    # --- known empty queues ------------------------------------------------------------------------
    def _hint_applies(self, type: str) -> bool:
        """Not for limited or paused queues: their takes find nothing for reasons other than no jobs."""
        controller = self._controller
        return not controller.limits.limits(type) and not controller.pauses.is_paused(type)

    # --- waking ---------------------------------------------------------------------------------
    def wake(self, type: str, count: int):
        """Marks ``count`` jobs on the queue, then wakes up to ``count`` of its waiters (and of ANY)."""
        self._empty.mark(type, count)
        self.job_waiters.notify(type, count)

    def notify_enqueued(self, jobs: List[Optional[JobV1]]):
        """Wakes, per queue, as many waiters as jobs became takeable (delayed ones wake at their due time)."""
        self._empty.mark_jobs(jobs)  # even without waiters: a want_job sent next must take
        if not len(self.job_waiters):
            return
        now = clock.now()
        counts: Dict[str, int] = {}
        for job in jobs:
            if job is not None and job.status == JobStatusV1.Queued and (
                    job.not_before is None or job.not_before <= now):
                counts[job.type] = counts.get(job.type, 0) + 1
        for name, count in counts.items():
            self.job_waiters.notify(name, count)  # marked above

    def notify_due(self, correlation_id: Optional[str]):
        """Wakes waiters of queues whose delayed jobs fell due since the last call (the lease timer's tick)."""
        self._empty.bound()
        if not len(self.job_waiters):
            return
        for name, count in self._persistence.pop_due_counts(correlation_id, clock.now()).items():
            self.wake(name, count)

    def notify_finished(self, job_id: Optional[str] = None):
        if job_id is None:
            self.result_waiters.notify_everyone()
        else:
            self.result_waiters.notify_all(job_id)

    # --- a store shared by processes: MongoDB's polled signal, PostgreSQL's pushed one ----------------
    def _has_signals(self) -> bool:
        return hasattr(self._persistence, 'read_queue_signals')

    def _is_shared(self) -> bool:
        """Whether other processes may finish jobs (result waits then re-read on a timer)."""
        return self._has_signals() or hasattr(self._persistence, 'listen_queue_signals')

    def _wake_pushed(self, type: Optional[str], count: int):
        """Jobs another process made takeable (``type`` None: any may have been, a notice was lost)."""
        if not self._opened:
            return
        if type is None:
            self.job_waiters.notify_everyone()
        else:
            self.wake(type, count)

    def _ensure_poller(self):
        if not self._has_signals():
            return
        with self._poller_lock:
            if self._poller is None and self._opened:
                self._poller = threading.Thread(target=self._poll_signals, name='jobs-signal-poller', daemon=True)
                self._poller.start()

    def _poll_signals(self):
        idle_since = None
        while True:
            with self._poller_lock:
                if not self._opened:
                    self._poller = None
                    return
                if len(self.job_waiters):
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > 2.0:
                    self._poller = None  # no waiters for a while: stop (the next waiter restarts it)
                    return
            try:
                self._poll_once()
            except Exception as ex:
                self._logger.warn(None, f'Jobs signal poll failed: {ex}')
                time.sleep(min(1.0, self._signal_interval * 10))
            time.sleep(self._signal_interval)

    def _poll_once(self):
        for name, value in self._persistence.read_queue_signals().items():
            delta = value - self._signals_seen.get(name, 0)
            self._signals_seen[name] = value
            if delta > 0:
                foreign = self._persistence.foreign_signals(name, delta)
                if foreign > 0:
                    self.wake(name, foreign)
