"""Runs the schedule: the Scheduler hands each due (job, planned time) to a worker pool; a worker
claims the run through the persistence, executes it, and records the outcome (run history,
last_result, reply hook). The scheduler thread itself never waits on I/O.

Nothing starves the schedule (issue 11, point 5): HTTP@ runs go to their own pool (``http_workers``,
default 256, threads made on demand), apart from LUA@/REMOTE@/JOB@ runs (``workers``) and from the reply
hook (its own small pool with a bounded backlog). A job runs at most once at a time: a run due while
its previous one is still running is skipped and recorded with status ``skipped``; a run that could
not start within ``missed_grace_ms`` (default 1000) of its planned time is recorded as ``missed`` and
not executed, so a backlog never fires late in a burst."""
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Dict, Hashable, Optional

import pyotp
import requests
from pip_services3_components.log import CompositeLogger

from ...common import time as t
from ...common.json_util import to_json
from ...common.timer import IntervalTimer
from ..data.version1 import CronJobV1, CronRunV1
from ..persistence import ICronGroupsPersistence, ICronJobsPersistence, ICronRunsPersistence
from .executors import CronExecution, CronExecutors, ExecutionResult
from .schedule import parse_schedule
from .scheduler import Scheduler, now_ms

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
GROUP_CACHE_S = 2.0        # another process may remove and re-register a group (new secret)
GROUP_CACHE_SIZE = 1024    # groups kept (LRU); unknown names are never cached
HTTP_WORKERS = 256         # HTTP@ runs in flight at most (one per job at a time)
MISSED_GRACE_MS = 1000     # a run that cannot start this late is recorded as missed, not run
REPLY_WORKERS = 4
REPLY_BACKLOG = 1000       # reply hook posts waiting at most; past it the newest are dropped (logged)
SHARED_MISSED_GRACE_MS = 2000  # a shared store: a run this late is still another process's to fire
WATCH_INTERVAL_MS = 1000   # a shared store: edits made by other processes are seen within ~1 s
WATCH_OVERLAP_MS = 3000    # re-read this far back: writes land after their `updated` stamp


def to_dt(ms: Optional[int]) -> Optional[datetime]:
    return None if ms is None else _EPOCH + timedelta(milliseconds=ms)


def to_ms(value: Optional[datetime]) -> Optional[int]:
    return None if value is None else t.to_epoch_ms(value)


class CronRunner:

    def __init__(self, jobs: ICronJobsPersistence, groups: ICronGroupsPersistence, runs: ICronRunsPersistence,
                 executors: CronExecutors, logger: CompositeLogger, workers: int = 32, history_size: int = 20,
                 reply_url: Optional[str] = None, reply_timeout: float = 5.0, http_workers: int = HTTP_WORKERS,
                 missed_grace_ms: int = MISSED_GRACE_MS):
        self._jobs = jobs
        self._groups = groups
        self._runs = runs
        self._executors = executors
        self._logger = logger
        self._workers = workers
        self._history_size = history_size
        self._reply_url = reply_url
        self._reply_timeout = reply_timeout
        self._scheduler = Scheduler(self._on_due)
        self._pool: Optional[ThreadPoolExecutor] = None
        self._http_workers = max(1, http_workers)
        self._http_pool: Optional[ThreadPoolExecutor] = None
        self._reply_pool: Optional[ThreadPoolExecutor] = None
        self._reply_backlog = 0
        self._reply_dropped = 0
        self._missed_grace_ms = missed_grace_ms
        self._http_keys = set()  # keys of HTTP@ jobs (their runs go to the HTTP pool)
        self._running = set()
        self._running_lock = threading.Lock()
        self._group_cache: 'OrderedDict[str, tuple]' = OrderedDict()  # name -> (expires, group, TOTP or None)
        self._group_cache_lock = threading.Lock()
        self._shared = bool(getattr(jobs, 'shared', False))
        self._watcher: Optional[IntervalTimer] = None
        self._watch_since: Optional[datetime] = None
        self._watch_seen: Dict[Hashable, datetime] = {}
        self._local = threading.local()
        # Held by every change of a job's state together with the matching scheduler update, so
        # the scheduler always ends up with what the persistence has last.
        self.lock = threading.RLock()

    @property
    def scheduler(self) -> Scheduler:
        return self._scheduler

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self):
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix='cron-run')
        self._http_pool = ThreadPoolExecutor(self._http_workers, thread_name_prefix='cron-http')
        self._reply_pool = ThreadPoolExecutor(REPLY_WORKERS, thread_name_prefix='cron-reply')
        self._watch_since = t.now()
        with self.lock:
            for job in self._jobs.get_active_jobs(None):
                self.resume(job)
        self._scheduler.start()
        if self._shared:
            self._watcher = IntervalTimer('cron-watch', self._watch, WATCH_INTERVAL_MS, self._logger)
            self._watcher.start()

    def stop(self):
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self._scheduler.stop()
        self._scheduler.clear()
        for pool in (self._pool, self._http_pool, self._reply_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._http_pool = self._reply_pool = None

    def resume(self, job: CronJobV1):
        """Plans a loaded job; a run missed while the service was down is skipped, not replayed."""
        planned = to_ms(job.next_run)
        if not job.active or planned is None:
            return
        now = now_ms()
        if planned < now - (SHARED_MISSED_GRACE_MS if self._shared else 0):
            following = parse_schedule(job.interval_pattern).next_run(planned, now)
            job = self._jobs.claim_run(None, job.group_name, job.job_id, job.next_run, to_dt(following), None)
            if job is None:
                return
        self.sync(job)

    # --- keeping the scheduler in step (callers hold self.lock) --------------------------------
    def sync(self, job: CronJobV1):
        if isinstance(job.request_url, str) and job.request_url[:5].upper() == 'HTTP@':
            self._http_keys.add(job.key)
        else:
            self._http_keys.discard(job.key)
        if job.active and job.next_run is not None:
            self._scheduler.schedule(job.key, to_ms(job.next_run), parse_schedule(job.interval_pattern))
        else:
            self._scheduler.unschedule(job.key)

    def forget(self, key: Hashable):
        self._scheduler.unschedule(key)
        self._http_keys.discard(key)

    def forget_group(self, group_name: str):
        with self._group_cache_lock:
            self._group_cache.pop(group_name, None)

    def _watch(self):
        """Plans what other processes changed: each job whose ``updated`` moved since the last look.
        Deleted jobs need no watching: their next due fails its claim and is forgotten then."""
        since, now = self._watch_since, t.now()
        jobs = self._jobs.get_changed_jobs(None, t.add_ms(since, -WATCH_OVERLAP_MS))
        with self.lock:
            for job in jobs:
                if self._watch_seen.get(job.key) != job.updated:
                    self._watch_seen[job.key] = job.updated
                    self.sync(job)
        self._watch_since = now
        horizon = t.add_ms(since, -2 * WATCH_OVERLAP_MS)
        for key in [k for k, v in self._watch_seen.items() if v is None or v < horizon]:
            self._watch_seen.pop(key, None)

    def _resync(self, key: Hashable):
        """A claim was lost: plan the job as the persistence has it now (part 2: another process
        took the run, or changed the job)."""
        with self.lock:
            job = self._jobs.get_job(None, *key)
            if job is None:
                self.forget(key)
            else:
                self.sync(job)

    # --- running ------------------------------------------------------------------------------
    def _on_due(self, key: Hashable, planned_ms: int, next_ms: Optional[int]):
        """On the scheduler thread: hands the run to its pool, or, while the job's previous run is
        still going, a ``skipped`` record to the reply pool. Marked running here, so a second due run
        queued behind a busy pool is seen as busy too."""
        with self._running_lock:
            busy = key in self._running
            if not busy:
                self._running.add(key)
        if busy:
            pool = self._reply_pool
            if pool is not None:
                pool.submit(self._skip, key, planned_ms, next_ms)
            return
        pool = self._http_pool if key in self._http_keys else self._pool
        try:
            if pool is None:
                raise RuntimeError('stopped')
            pool.submit(self._run, key, planned_ms, next_ms)
        except RuntimeError:  # stopped meanwhile
            with self._running_lock:
                self._running.discard(key)

    def _run(self, key: Hashable, planned_ms: int, next_ms: Optional[int]):
        try:
            late_ms = now_ms() - planned_ms
            missed = late_ms > self._missed_grace_ms
            planned = to_dt(planned_ms)
            try:
                job = self._jobs.claim_run(None, key[0], key[1], planned, to_dt(next_ms), None if missed else planned)
            except Exception as ex:
                self._logger.error(None, ex, f'Cannot claim cron job {key[0]}/{key[1]}')
                return
            if job is None:
                self._resync(key)
            elif missed:
                self._logger.warn(None, f'Cron job {key[0]}/{key[1]}: run at {t.to_iso(planned)} missed '
                                        f'(could not start within {self._missed_grace_ms} ms)')
                self._record_not_run(job, planned_ms, 'missed',
                                     f'could not start within {self._missed_grace_ms} ms ({late_ms} ms late)')
            else:
                self._execute(job, planned_ms)
        finally:
            with self._running_lock:
                self._running.discard(key)

    def _skip(self, key: Hashable, planned_ms: int, next_ms: Optional[int]):
        planned = to_dt(planned_ms)
        try:
            job = self._jobs.claim_run(None, key[0], key[1], planned, to_dt(next_ms), None)
        except Exception as ex:
            self._logger.error(None, ex, f'Cannot claim cron job {key[0]}/{key[1]}')
            return
        if job is None:
            self._resync(key)
            return
        self._logger.warn(None, f'Cron job {key[0]}/{key[1]} is still running: run at {t.to_iso(planned)} skipped')
        self._record_not_run(job, planned_ms, 'skipped', 'the previous run was still running')

    def _record_not_run(self, job: CronJobV1, planned_ms: int, status: str, error: str):
        self.record_run(CronRunV1(group_name=job.group_name, job_id=job.job_id, job_name=job.name,
                                  planned_time=to_dt(planned_ms), started=None, duration_ms=0,
                                  status=status, error=error))

    def group(self, group_name: str) -> tuple:
        """(group, its TOTP or None), cached for a moment. The cache is an LRU of at most
        GROUP_CACHE_SIZE groups and holds only groups that exist: a name nobody registered (e.g. sent to
        the functions port by any caller) is looked up each time and never stored."""
        clock = time.monotonic()
        with self._group_cache_lock:
            cached = self._group_cache.get(group_name)
            if cached is not None and cached[0] >= clock:
                self._group_cache.move_to_end(group_name)
                return cached[1], cached[2]
        group = self._groups.get_group(None, group_name)
        if group is None:
            with self._group_cache_lock:
                self._group_cache.pop(group_name, None)
            return None, None
        totp = pyotp.TOTP(group.otp_secret) if group.otp_secret else None
        with self._group_cache_lock:
            self._group_cache[group_name] = (clock + GROUP_CACHE_S, group, totp)
            self._group_cache.move_to_end(group_name)
            while len(self._group_cache) > GROUP_CACHE_SIZE:
                self._group_cache.popitem(last=False)
        return group, totp

    def _execute(self, job: CronJobV1, planned_ms: int):
        started = t.now()
        clock = time.monotonic()
        try:
            group, totp = self.group(job.group_name)
            otp = totp.now() if totp is not None else None
            result = self._executors.get(job.request_url).execute(CronExecution(job, group, planned_ms, otp))
        except Exception as ex:  # an executor bug or a prefix whose executor is gone
            result = ExecutionResult(False, None, f'execution failed: {ex}')
        if result.recorded:
            return
        self.record_run(CronRunV1(group_name=job.group_name, job_id=job.job_id, job_name=job.name,
                                  planned_time=to_dt(planned_ms), started=started,
                                  duration_ms=round((time.monotonic() - clock) * 1000, 3),
                                  status='ok' if result.ok else 'failed', code=result.code, error=result.error,
                                  output=result.output))

    def record_run(self, run: CronRunV1):
        """Keeps a run's outcome: history, the job's last_result, the reply hook."""
        try:
            run = self._runs.add_run(None, run, self._history_size)
            self._jobs.set_last_result(None, run.group_name, run.job_id, run.summary())
        except Exception as ex:
            self._logger.error(None, ex, f'Cannot record the run of cron job {run.group_name}/{run.job_id}')
        if self._reply_url:
            self._post_reply(run)

    def _post_reply(self, run: CronRunV1):
        """The reply hook in its own pool: a slow hook never holds a run's worker."""
        pool = self._reply_pool
        with self._running_lock:
            if pool is None or self._reply_backlog >= REPLY_BACKLOG:
                self._reply_dropped += 1
                dropped = self._reply_dropped
                pool = None
            else:
                self._reply_backlog += 1
        if pool is None:
            if dropped == 1 or dropped % 1000 == 0:
                self._logger.warn(None, f'Reply hook backlog full: {dropped} replies dropped so far')
            return

        def post():
            try:
                self._reply(run)
            finally:
                with self._running_lock:
                    self._reply_backlog -= 1
        try:
            pool.submit(post)
        except RuntimeError:
            with self._running_lock:
                self._reply_backlog -= 1

    def _reply(self, run: CronRunV1):
        session = getattr(self._local, 'session', None) or requests.Session()
        self._local.session = session
        try:
            session.post(self._reply_url, data=to_json(run), headers={'Content-Type': 'application/json'},
                         timeout=self._reply_timeout)
        except requests.RequestException as ex:
            self._logger.warn(None, f'Reply hook {self._reply_url} failed: {ex}')
