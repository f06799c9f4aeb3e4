"""Per-queue job numbers kept up to date on writes, so a scrape (and the dashboard's overview) costs
O(queues), never O(jobs).

The jobs controller calls ``jobs_changed`` / ``job_deleted`` / ``jobs_cleared`` / ``jobs_cleaned`` (one
line each; it finds this tracker as the metrics component's ``jobs``). Each call is a
transition from the status the tracker last saw for the job (so a repeated observation changes
nothing): the gauges (queued, delayed, running, oldest queued age) come from that state, the counters
(enqueued, completed, failed, cancelled, lease expired), the wait/run histograms and the last hour's
per-minute history (queue_history.py: the dashboard's charts) from the transitions. The state holds unfinished jobs
only, at a few dozen bytes a job (RSS per queued job): the id maps to its ready time (a float
shared by the jobs of one batch) while queued, to RUNNING while running; delayed jobs and jobs with an
execute_until have a second small entry. The oldest queued age per type is the top of a heap of ready
times with lazy deletion by value (a second heap of the times that left). It is loaded once when the
metrics component opens, from the jobs controller's ``unfinished_jobs``. With several processes on one
MongoDB each counts the writes it made, as Prometheus expects of the instances it sums; gauges of one
process then only cover jobs it has seen."""
import heapq
import threading
import time
from collections import Counter as Multiset
from datetime import datetime, timezone
from typing import Dict, List, Optional

from service_background.metrics.plain_metrics import PlainMetrics
from service_background.metrics.queue_history import QueueHistory

QUEUED, RUNNING, DONE, FAILED, CANCELLED = 'queued', 'running', 'done', 'failed', 'cancelled'
_UNFINISHED = (QUEUED, RUNNING)
BUCKETS = (0.005, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600)
ENQUEUED, COMPLETED, FAILED_TOTAL, CANCELLED_TOTAL, LEASE_EXPIRED = \
    'sb_jobs_enqueued', 'sb_jobs_completed', 'sb_jobs_failed', 'sb_jobs_cancelled', 'sb_jobs_lease_expired'
COUNTERS = {ENQUEUED: 'Jobs added', COMPLETED: 'Jobs finished done',
            FAILED_TOTAL: 'Jobs finished failed (or aborted, or skipped after a failed parent)',
            CANCELLED_TOTAL: 'Jobs cancelled', LEASE_EXPIRED: 'Leases that ran out (job requeued or failed)'}
_FINISHED_COUNTER = {DONE: COMPLETED, CANCELLED: CANCELLED_TOTAL}
WAIT_TIME, RUN_TIME = 'sb_jobs_wait_seconds', 'sb_jobs_run_seconds'
HISTOGRAMS = {WAIT_TIME: 'Due until taken', RUN_TIME: 'Taken until finished'}
REBUILD_FLOOR = 256  # left-over entries tolerated in a type's heaps before they are rebuilt


def _ts(value: Optional[datetime]) -> Optional[float]:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


class _ReadyTimes:
    """The ready times of one type's queued jobs, a multiset with its minimum at hand: a heap of times
    added and a heap of times removed; equal tops cancel out. Rebuilt when removals pile up (a starved
    low-priority job keeps every later time's removal waiting), so it holds O(queued) entries."""
    __slots__ = ('added', 'removed')

    def __init__(self):
        self.added: List[float] = []
        self.removed: List[float] = []

    def add(self, ready: float):
        heapq.heappush(self.added, ready)

    def remove(self, ready: float):
        heapq.heappush(self.removed, ready)
        if len(self.removed) > len(self.added) // 2 + REBUILD_FLOOR:
            left = Multiset(self.removed)
            kept = []
            for value in self.added:
                if left[value] > 0:
                    left[value] -= 1
                else:
                    kept.append(value)
            heapq.heapify(kept)
            self.added, self.removed = kept, []

    def oldest(self) -> Optional[float]:
        added, removed = self.added, self.removed
        while added and removed and added[0] == removed[0]:
            heapq.heappop(added)
            heapq.heappop(removed)
        return added[0] if added else None


class JobsTracker:

    def __init__(self, registry):
        self._lock = threading.Lock()
        self._state: Dict[str, object] = {}  # unfinished job id -> its ready time (queued) or RUNNING
        self._counts: Dict[tuple, int] = {}  # (type, queued|running) -> jobs, delayed included in queued
        self._delayed: Dict[str, int] = {}
        self._delayed_ids: Dict[str, tuple] = {}  # delayed job id -> (ready, type) until it is due
        self._delayed_heap: List[tuple] = []  # (ready, id)
        self._ready: Dict[str, _ReadyTimes] = {}
        self._expires: Dict[str, float] = {}  # unfinished job id -> execute_until, for the jobs that have one
        self._expiry_heap: List[tuple] = []  # (execute_until, id, type)
        self._history = QueueHistory()  # kept across a reset: it is what happened, not what is
        self._last_times = [(None, None)] * 3  # per field (datetime, its timestamp): see _time
        # counters and histograms: plain numbers under the tracker's lock, read at scrape time
        self._numbers = numbers = PlainMetrics(self._lock)
        for name, doc in COUNTERS.items():
            numbers.counter(name, doc, ['type'])
        for name, doc in HISTOGRAMS.items():
            numbers.histogram(name, doc, ['type'], BUCKETS)
        registry.register(self)

    def describe(self):
        return []

    def collect(self):
        return self._numbers.collect()

    def _time(self, value: Optional[datetime], slot: int = 0) -> Optional[float]:
        """The timestamp of ``value``, remembered per field (0 created, 1 started, 2 completed): a
        batch's jobs share each of these datetimes, so one slot per field keeps hitting."""
        last = self._last_times[slot]
        if value is last[0]:
            return last[1]
        stamp = _ts(value)
        self._last_times[slot] = (value, stamp)
        return stamp

    # --- loading ------------------------------------------------------------------------------
    def load(self, jobs):
        """Starts from the store's unfinished jobs (``JobsController.unfinished_jobs``), read once."""
        with self._lock:
            self._reset()
            for job in jobs:
                self._change(job, time.time(), count=False)

    def _reset(self):
        self._state.clear()
        self._counts.clear()
        self._delayed.clear()
        self._delayed_ids.clear()
        self._expires.clear()
        self._delayed_heap, self._ready, self._expiry_heap = [], {}, []

    # --- the controller's hooks ------------------------------------------------------------
    def jobs_changed(self, jobs):
        now = time.time()
        with self._lock:
            for job in jobs:
                if job is not None:
                    self._change(job, now)
        return jobs

    def job_deleted(self, job):
        if job is not None:
            with self._lock:
                self._leave(job.id, job.type)

    def jobs_cleared(self):
        with self._lock:
            self._reset()

    def jobs_cleaned(self):
        """The cleaner removed unfinished jobs past execute_until: drop the ones the tracker has."""
        now = time.time()
        with self._lock:
            heap = self._expiry_heap
            while heap and heap[0][0] <= now:
                expires, id, type = heapq.heappop(heap)
                if self._expires.get(id) == expires:
                    self._leave(id, type)

    # --- transitions -------------------------------------------------------------------------
    def _leave(self, id: str, type: str) -> Optional[str]:
        """Forgets an unfinished job; returns the status it had (None: not tracked)."""
        state = self._state.pop(id, None)
        if state is None:
            return None
        self._expires.pop(id, None)
        status = RUNNING if state is RUNNING else QUEUED
        key = (type, status)
        self._counts[key] = self._counts.get(key, 1) - 1
        if status == QUEUED:
            if self._delayed_ids.pop(id, None) is not None:
                self._delayed[type] = self._delayed.get(type, 1) - 1
            else:
                self._ready[type].remove(state)
        return status

    def _enter(self, job, now: float, ready: float):
        id, status, type = job.id, job.status, job.type
        self._counts[(type, status)] = self._counts.get((type, status), 0) + 1
        expires = job.execute_until
        if expires is not None:
            expires = self._expires[id] = _ts(expires)
            heapq.heappush(self._expiry_heap, (expires, id, type))
        if status == RUNNING:
            self._state[id] = RUNNING
            return
        self._state[id] = ready
        if ready > now:
            self._delayed_ids[id] = (ready, type)
            self._delayed[type] = self._delayed.get(type, 0) + 1
            heapq.heappush(self._delayed_heap, (ready, id))
        else:
            self._ready_times(type).add(ready)

    def _ready_times(self, type: str) -> _ReadyTimes:
        times = self._ready.get(type)
        if times is None:
            times = self._ready[type] = _ReadyTimes()
        return times

    def _change(self, job, now: float, count: bool = True):
        status, type = job.status, job.type
        created = self._time(job.created)
        not_before = job.not_before
        not_before = created if not_before is job.created else self._time(not_before)
        ready = created if created is not None else now
        if not_before is not None and not_before > ready:
            ready = not_before
        state = self._state.get(job.id)
        if state is not None and status in _UNFINISHED and (state is RUNNING) == (status == RUNNING) and \
                (status == RUNNING or state == ready):
            return  # seen already (a queued job that finished, cancelled or failed as a child, has not)
        old_status = self._leave(job.id, type) if state is not None else None
        if status in _UNFINISHED:
            self._enter(job, now, ready)
        if not count:
            return
        if status == QUEUED:
            if old_status is None:
                self._numbers.inc(ENQUEUED, (type,))
                self._history.enqueued(type, now)
            elif old_status == RUNNING and self._lease_lost(job):
                self._numbers.inc(LEASE_EXPIRED, (type,))
        elif status == RUNNING:
            started = job.started
            if started is not None:
                wait = max(0.0, self._time(started, 1) - ready)
                self._numbers.observe(WAIT_TIME, (type,), wait)
                self._history.taken(type, now, wait)
        else:  # finished now (done, failed, aborted, cancelled)
            if old_status == RUNNING and status == FAILED and self._lease_lost(job):
                self._numbers.inc(LEASE_EXPIRED, (type,))
            self._numbers.inc(_FINISHED_COUNTER.get(status, FAILED_TOTAL), (type,))
            run = None
            if old_status == RUNNING:
                started, completed = job.started, job.completed
                if started is not None and completed is not None:
                    run = max(0.0, self._time(completed, 2) - self._time(started, 1))
                    self._numbers.observe(RUN_TIME, (type,), run)
            self._history.finished(type, now, status, run)

    @staticmethod
    def _lease_lost(job) -> bool:
        return (job.last_error or '').startswith('lease expired')

    # --- reading (O(queues), amortised) ----------------------------------------------------------
    def _settle(self, now: float):
        """Delayed jobs that came due join their type's ready times."""
        heap = self._delayed_heap
        while heap and heap[0][0] <= now:
            ready, id = heapq.heappop(heap)
            entry = self._delayed_ids.get(id)
            if entry is not None and entry[0] == ready:
                del self._delayed_ids[id]
                type = entry[1]
                self._delayed[type] = self._delayed.get(type, 1) - 1
                self._ready_times(type).add(ready)

    def snapshot(self) -> Dict[str, dict]:
        """Per type: queued (due), delayed, running, oldest_age (s), and the last hour's enqueued / done /
        failed with per-minute [enqueued, done, failed] (oldest first)."""
        now = time.time()
        result = {}
        history = self._history
        with self._lock:
            self._settle(now)
            types = {type for type, _ in self._counts} | set(history.types())
            for type in sorted(types):
                delayed = self._delayed.get(type, 0)
                series = history.per_minute(type, now)
                oldest = self._ready[type].oldest() if type in self._ready else None
                result[type] = {
                    'queued': self._counts.get((type, QUEUED), 0) - delayed, 'delayed': delayed,
                    'running': self._counts.get((type, RUNNING), 0),
                    'oldest_age': max(0.0, now - oldest) if oldest is not None else 0.0,
                    'enqueued_1h': sum(b[0] for b in series), 'done_1h': sum(b[1] for b in series),
                    'failed_1h': sum(b[2] for b in series),
                    'per_minute': series}
        return result

    def history(self) -> Dict[str, dict]:
        """Per type the last hour minute by minute (QueueHistory.history): throughput by outcome, wait and
        run times."""
        now = time.time()
        with self._lock:
            history = self._history
            return {type: history.history(type, now) for type in sorted(history.types())}
