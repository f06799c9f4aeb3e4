"""Runs the schedule: the Scheduler hands each due (job, planned time) to a worker pool; a worker
claims the run through the persistence, executes it, and records the outcome."""
# The outcome is the run history, the job's last_result and the reply hook. The scheduler thread itself
# never waits on I/O.
#
# Nothing starves the schedule: HTTP@ runs go to their own pool (``http_workers``,
# default 256, threads made on demand), apart from LUA@/REMOTE@/JOB@ runs (``workers``) and from the reply
# hook (run_recorder.py). A job runs at most once at a time here: a run due
# while its previous one is still running waits behind it and runs when it ends, unless that is past
# ``missed_grace_ms`` (default 1000): then it is recorded as ``skipped``. Another run that could not start
# within that grace is recorded as ``missed`` and not executed, so a backlog never fires late in a burst.
# Processes sharing a store claim a run CLAIM_AHEAD_MS before its time, so it fires on time whatever the
# database's latency; once one of them wins a job's run, the others claim that job's runs only after
# their time (and fail): a killed process loses at most the run it had claimed ahead, and its jobs go on.
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Dict, Hashable, Optional, Tuple

from pip_services3_components.log import CompositeLogger

from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.data import clock
from service_background.common.data.clock import now_ms
from service_background.cron.data.version1 import CronJobV1, CronRunV1
from service_background.cron.logic.cron_executors import CronExecution, CronExecutors, ExecutionResult
from service_background.cron.logic.group_cache import GroupCache
from service_background.cron.logic.interval_patterns import parse_schedule
from service_background.cron.logic.run_recorder import RunRecorder
from service_background.cron.logic.run_slots import FULL, RUN, RunSlots
from service_background.cron.logic.scheduler import Scheduler
from service_background.cron.persistence import ICronGroupsPersistence, ICronJobsPersistence, ICronRunsPersistence

CLAIM_AHEAD_MS = 300       # a shared store: how early a process claims a run it expects to fire
CLAIM_JITTER_MS = 100      # a shared store: a job new to a process is claimed up to this much less early
CLAIM_LATE_MS = 50         # a shared store: how late a process claims the runs another one fires (off their time)
ONCE = parse_schedule('@once')
HTTP_WORKERS = 256         # HTTP@ runs in flight at most (one per job at a time)
MISSED_GRACE_MS = 1000     # a run that cannot start this late is recorded as missed, not run
RESYNC_S = 10.0            # a shared store: a job another process fires is re-read at most this often
SHARED_MISSED_GRACE_MS = 2000  # a shared store: a run this late is still another process's to fire
WATCH_INTERVAL_MS = 1000   # a shared store: edits made by other processes are seen within ~1 s
WATCH_OVERLAP_MS = 3000    # re-read this far back: writes land after their `updated` stamp


def to_ms(value: Optional[datetime]) -> Optional[int]:
    return None if value is None else clock.to_epoch_ms(value)


class CronRunner:

    def __init__(self, jobs: ICronJobsPersistence, groups: ICronGroupsPersistence, runs: ICronRunsPersistence,
                 executors: CronExecutors, logger: CompositeLogger, workers: int = 32, history_size: int = 20,
                 reply_url: Optional[str] = None, reply_timeout: float = 5.0, http_workers: int = HTTP_WORKERS,
                 missed_grace_ms: int = MISSED_GRACE_MS):
        self._jobs = jobs
        self._groups = groups
        self._executors = executors
        self._logger = logger
        self._workers = workers
        self._shared = bool(getattr(jobs, 'shared', False))
        self._recorder = RunRecorder(jobs, runs, logger, history_size, reply_url, reply_timeout, self._shared)
        # a shared store: runs are claimed ahead, so a database's latency never makes them late
        self._scheduler = Scheduler(self._on_due, default_delay_ms=-CLAIM_AHEAD_MS if self._shared else 0)
        self._fires = Scheduler(self._on_fire, name='cron-fires')  # runs claimed ahead, at their time
        self._ready: Dict[Hashable, Tuple[int, Optional[int], CronJobV1]] = {}  # claimed ahead: (planned, next, job)
        self._ready_lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._http_workers = max(1, http_workers)
        self._http_pool: Optional[ThreadPoolExecutor] = None
        self._missed_grace_ms = missed_grace_ms
        self._http_keys = set()  # keys of HTTP@ jobs (their runs go to the HTTP pool)
        self._slots = RunSlots()
        self._yielded: Dict[Hashable, float] = {}  # shared store: jobs another process fires -> last re-read
        self._group_cache = GroupCache(groups)
        self._watcher: Optional[IntervalTimer] = None
        self._watch_since: Optional[datetime] = None
        self._watch_seen: Dict[Hashable, datetime] = {}
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
        self._recorder.start()
        self._watch_since = clock.now()
        with self.lock:
            for job in self._jobs.get_active_jobs(None):
                self.resume(job)
        self._scheduler.start()
        self._fires.start()
        if self._shared:
            self._watcher = IntervalTimer('cron-watch', self._watch, WATCH_INTERVAL_MS, self._logger)
            self._watcher.start()

    def stop(self):
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        for scheduler in (self._scheduler, self._fires):
            scheduler.stop()
            scheduler.clear()
        self._ready.clear()
        for pool in (self._pool, self._http_pool):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._http_pool = None
        self._recorder.stop()

    def resume(self, job: CronJobV1):
        """Plans a loaded job; a run missed while the service was down is skipped, not replayed."""
        planned = to_ms(job.next_run)
        if not job.active or planned is None:
            return
        now = now_ms()
        if planned < now - (SHARED_MISSED_GRACE_MS if self._shared else 0):
            following = parse_schedule(job.interval_pattern).next_run(planned, now)
            job = self._jobs.claim_run(None, job.group_name, job.job_id, job.next_run, clock.from_epoch_ms(following),
                                       None)
            if job is None:
                return
        self.sync(job)

    # --- keeping the scheduler in step (callers hold self.lock) --------------------------------
    def sync(self, job: CronJobV1):
        if isinstance(job.request_url, str) and job.request_url[:5].upper() == 'HTTP@':
            self._http_keys.add(job.key)
        else:
            self._http_keys.discard(job.key)
        self._unready(job.key, job)
        if job.active and job.next_run is not None:
            new = self._shared and self._scheduler.planned(job.key) is None
            self._scheduler.schedule(job.key, to_ms(job.next_run), parse_schedule(job.interval_pattern))
            if new and job.key not in self._yielded:  # jittered: which process fires a new job is random
                self._scheduler.delay(job.key, random.randrange(CLAIM_JITTER_MS) - CLAIM_AHEAD_MS)
        else:
            self._scheduler.unschedule(job.key)

    def forget(self, key: Hashable):
        self._unready(key)
        self._scheduler.unschedule(key)
        self._http_keys.discard(key)
        self._yielded.pop(key, None)

    def forget_group(self, group_name: str):
        self._group_cache.forget(group_name)

    def _watch(self):
        """Plans what other processes changed: each job whose ``updated`` moved since the last look.
        Deleted jobs need no watching: a due fails its claim and the job is re-read and forgotten then
        (within RESYNC_S on a process that leaves the job to another one)."""
        since, now = self._watch_since, clock.now()
        jobs = self._jobs.get_changed_jobs(None, clock.add_ms(since, -WATCH_OVERLAP_MS))
        with self.lock:
            for job in jobs:
                if self._watch_seen.get(job.key) != job.updated:
                    self._watch_seen[job.key] = job.updated
                    self.sync(job)
        self._watch_since = now
        horizon = clock.add_ms(since, -2 * WATCH_OVERLAP_MS)
        for key in [k for k, v in self._watch_seen.items() if v is None or v < horizon]:
            self._watch_seen.pop(key, None)

    def _resync(self, key: Hashable):
        """A claim was lost: plan the job as the persistence has it now (another process took the run,
        or changed the job)."""
        with self.lock:
            job = self._jobs.get_job(None, *key)
            if job is None:
                self.forget(key)
            else:
                self.sync(job)

    # --- running ------------------------------------------------------------------------------
    def _on_due(self, key: Hashable, planned_ms: int, next_ms: Optional[int]):
        """On the scheduler thread: hands the run to its pool to claim, or queues it behind the job's
        run in progress here (decided when that run ends). Marked running here, so a second due run
        queued behind a busy pool is seen as busy too."""
        state = self._slots.due(key, (planned_ms, next_ms, None))
        if state == FULL:
            self._recorder.submit(self._skip, key, planned_ms, next_ms)
        elif state == RUN:
            self._submit(key, planned_ms, next_ms, False, None)

    def _on_fire(self, key: Hashable, planned_ms: int, next_ms: Optional[int]):
        """On the fire scheduler's thread: a run claimed ahead is due: to its pool, or behind the job's
        run in progress here (a run fired by hand)."""
        with self._ready_lock:
            entry = self._ready.pop(key, None)
        if entry is None:
            return
        planned_ms, next_ms, job = entry
        state = self._slots.due(key, entry)
        if state == FULL:
            self._recorder.record_later(self._not_run(job, planned_ms, 'skipped', 'the previous run was still running'))
        elif state == RUN:
            self._submit(key, planned_ms, next_ms, False, job)

    def _submit(self, key: Hashable, planned_ms: int, next_ms: Optional[int], behind: bool,
                job: Optional[CronJobV1]):
        pool = self._http_pool if key in self._http_keys else self._pool
        try:
            if pool is None:
                raise RuntimeError('stopped')
            pool.submit(self._run, key, planned_ms, next_ms, behind, job)
        except RuntimeError:  # stopped meanwhile
            self._slots.drop(key)

    def _run(self, key: Hashable, planned_ms: int, next_ms: Optional[int], behind: bool = False,
             job: Optional[CronJobV1] = None):
        """Claims one due run (unless ``job``: claimed ahead already) and fires it, or, claimed ahead of
        its time, hands it to the fire scheduler. ``behind``: it came due while the job's previous run
        was still going here; too late by then, it is recorded as skipped."""
        run = None
        try:
            if job is None:
                job = self._claim(key, planned_ms, next_ms)
                if job is not None and planned_ms > now_ms():
                    with self._ready_lock:
                        self._ready[key] = (planned_ms, next_ms, job)
                    self._fires.schedule(key, planned_ms, ONCE)
                    job = None
            if job is not None:
                run = self._fire(job, planned_ms, behind)
        finally:
            self._finish(key)
        if run is not None:
            self._recorder.record_later(run)

    def _claim(self, key: Hashable, planned_ms: int, next_ms: Optional[int]) -> Optional[CronJobV1]:
        """The claimed job, or None when another process has the run (or the job changed)."""
        planned = clock.from_epoch_ms(planned_ms)
        last_run = None if now_ms() - planned_ms > self._missed_grace_ms else planned
        try:
            job = self._jobs.claim_run(None, key[0], key[1], planned, clock.from_epoch_ms(next_ms), last_run)
        except Exception as ex:
            self._logger.error(None, ex, f'Cannot claim cron job {key[0]}/{key[1]}')
            return None
        if job is None:
            self._claim_lost(key)
        else:
            self._claim_won(key)
        return job

    def _fire(self, job: CronJobV1, planned_ms: int, behind: bool) -> Optional[CronRunV1]:
        """Executes a claimed run, unless it is past the grace: then it is recorded as skipped (behind
        a run still going) or missed. The run to record, or None."""
        late_ms = now_ms() - planned_ms
        if late_ms <= self._missed_grace_ms:
            return self._execute(job, planned_ms)
        planned = clock.to_iso(clock.from_epoch_ms(planned_ms))
        if behind:
            self._logger.warn(None, f'Cron job {job.group_name}/{job.job_id} is still running: run at {planned} '
                                    f'skipped')
            return self._not_run(job, planned_ms, 'skipped', 'the previous run was still running')
        self._logger.warn(None, f'Cron job {job.group_name}/{job.job_id}: run at {planned} missed (could not '
                                f'start within {self._missed_grace_ms} ms)')
        return self._not_run(job, planned_ms, 'missed',
                             f'could not start within {self._missed_grace_ms} ms ({late_ms} ms late)')

    def _finish(self, key: Hashable):
        """The job's run here ended: the next one waiting behind it starts now (recording the one that
        ended is no part of it)."""
        tick = self._slots.leave(key)
        if tick is not None:
            self._submit(key, tick[0], tick[1], True, tick[2])

    def _unready(self, key: Hashable, job: Optional[CronJobV1] = None):
        """The job changed while one of its runs is claimed ahead here: the run fires the new version if
        the job still goes on from where the claim left it (``job``: as stored now), else not at all."""
        with self._ready_lock:
            entry = self._ready.get(key)
            if entry is None:
                return
            if job is not None and job.active and to_ms(job.next_run) == entry[1]:
                self._ready[key] = (entry[0], entry[1], job)
                return
            del self._ready[key]
        self._fires.unschedule(key)

    def _skip(self, key: Hashable, planned_ms: int, next_ms: Optional[int]):
        """A due run with too many runs of its job already waiting here: skipped at once."""
        planned = clock.from_epoch_ms(planned_ms)
        try:
            job = self._jobs.claim_run(None, key[0], key[1], planned, clock.from_epoch_ms(next_ms), None)
        except Exception as ex:
            self._logger.error(None, ex, f'Cannot claim cron job {key[0]}/{key[1]}')
            return
        if job is None:
            self._claim_lost(key)
            return
        self._logger.warn(None, f'Cron job {key[0]}/{key[1]} is still running: run at {clock.to_iso(planned)} skipped')
        self.record_run(self._not_run(job, planned_ms, 'skipped', 'the previous run was still running'))

    def _claim_won(self, key: Hashable):
        if self._shared and self._yielded.pop(key, None) is not None:
            self._scheduler.delay(key, -CLAIM_AHEAD_MS)

    def _claim_lost(self, key: Hashable):
        """On one store, a lost claim means the job changed: plan it as stored. On a shared store it is
        mostly another process firing the run, so from now on this process claims that job's runs
        CLAIM_LATE_MS after their time, not ahead (the other one has claimed and fired them by then; if
        it died, they fire here that much late), and re-reads the job at most every RESYNC_S (edits reach it through the
        watcher anyway; this catches a deleted job and a schedule that drifted)."""
        if self._shared:
            mono = time.monotonic()
            last = self._yielded.get(key)
            self._scheduler.delay(key, CLAIM_LATE_MS)
            if last is not None and mono - last < RESYNC_S:
                return
            self._yielded[key] = mono
        self._resync(key)

    def run_now(self, job: CronJobV1) -> Optional[int]:
        """Fires ``job`` once now, outside its schedule (its next_run is left alone): the planned time,
        or None while the job is running here. Raises RuntimeError when the runner is stopped."""
        pool = self._pool
        if pool is None:
            raise RuntimeError('stopped')
        key = job.key
        if not self._slots.enter(key):
            return None
        planned_ms = now_ms()

        def fire():
            run = None
            try:
                run = self._execute(job, planned_ms)
            finally:
                self._finish(key)
            if run is not None:
                self._recorder.record_later(run)
        try:
            pool.submit(fire)
        except RuntimeError:
            self._slots.drop(key)
            raise
        return planned_ms

    @staticmethod
    def _not_run(job: CronJobV1, planned_ms: int, status: str, error: str) -> CronRunV1:
        return CronRunV1(group_name=job.group_name, job_id=job.job_id, job_name=job.name,
                         planned_time=clock.from_epoch_ms(planned_ms), started=None, duration_ms=0, status=status,
                         error=error)

    def group(self, group_name: str) -> tuple:
        """(group, its TOTP or None), cached for a moment (group_cache.py)."""
        return self._group_cache.get(group_name)

    def _execute(self, job: CronJobV1, planned_ms: int) -> Optional[CronRunV1]:
        """Runs the job: the run to record, or None when the executor recorded it itself."""
        started = clock.now()
        started_mono = time.monotonic()
        try:
            group, totp = self.group(job.group_name)
            otp = totp.now() if totp is not None else None
            result = self._executors.get(job.request_url).execute(CronExecution(job, group, planned_ms, otp))
        except Exception as ex:  # an executor bug or a prefix whose executor is gone
            result = ExecutionResult(False, None, f'execution failed: {ex}')
        if result.recorded:
            return None
        return CronRunV1(group_name=job.group_name, job_id=job.job_id, job_name=job.name,
                         planned_time=clock.from_epoch_ms(planned_ms), started=started,
                         duration_ms=round((time.monotonic() - started_mono) * 1000, 3),
                         status='ok' if result.ok else 'failed', code=result.code, error=result.error,
                         output=result.output)

    def record_run(self, run: CronRunV1):
        """Keeps a run's outcome: history, the job's last_result, the reply hook (REMOTE@ node reports)."""
        self._recorder.record(run)

    def add_run_observer(self, observer):
        """``observer(run)`` for every run recorded, fired here or reported by a node."""
        self._recorder.add_observer(observer)
