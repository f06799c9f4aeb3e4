"""Per-queue job numbers kept up to date on writes, so a scrape (and the dashboard's overview) costs
O(queues), never O(jobs) (issue 15).

The jobs controller calls ``jobs_changed`` / ``job_deleted`` / ``jobs_cleared`` / ``jobs_cleaned`` (one
line each; ``controller.metrics`` is this tracker once the metrics component set it). Each call is a
transition from the status the tracker last saw for the job (so a repeated observation changes
nothing): the gauges (queued, delayed, running, oldest queued age) come from that state, the counters
(enqueued, completed, failed, lease expired), the wait/run histograms and the last hour's per-minute
buckets (the dashboard's throughput chart) from the transitions. The state holds unfinished jobs
only; it is loaded once when the metrics component opens (memory/file: the store's dict; MongoDB: one
query on status). With several processes on one MongoDB each counts the writes it made, as Prometheus
expects of the instances it sums; gauges of one process then only cover jobs it has seen."""
import heapq
import threading
import time
from datetime import datetime, timezone
from typing import Dict, List, Optional

from prometheus_client import Counter, Histogram

QUEUED, RUNNING, DONE, FAILED = 'queued', 'running', 'done', 'failed'
_UNFINISHED = (QUEUED, RUNNING)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
BUCKETS = (0.005, 0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600)
MINUTES = 60


def _ts(value: Optional[datetime]) -> Optional[float]:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


class _Entry:
    __slots__ = ('type', 'status', 'ready', 'delayed', 'expires')

    def __init__(self, type: str, status: str, ready: float, delayed: bool, expires: Optional[float]):
        self.type, self.status, self.ready, self.delayed, self.expires = type, status, ready, delayed, expires


class JobsTracker:

    def __init__(self, registry):
        self._lock = threading.Lock()
        self._state: Dict[str, _Entry] = {}
        self._counts: Dict[tuple, int] = {}  # (type, queued|running) -> jobs, delayed included in queued
        self._delayed: Dict[str, int] = {}
        self._delayed_heap: List[tuple] = []  # (ready, id)
        self._ready_heaps: Dict[str, List[tuple]] = {}  # type -> (ready, id) of queued jobs (stale ones too)
        self._expiry_heap: List[tuple] = []  # (execute_until, id) of unfinished jobs
        self._minutes: Dict[str, Dict[int, List[int]]] = {}  # type -> minute -> [enqueued, done, failed]
        self.enqueued = Counter('sb_jobs_enqueued', 'Jobs added', ['type'], registry=registry)
        self.completed = Counter('sb_jobs_completed', 'Jobs finished done', ['type'], registry=registry)
        self.failed = Counter('sb_jobs_failed', 'Jobs finished failed (or aborted)', ['type'], registry=registry)
        self.lease_expired = Counter('sb_jobs_lease_expired', 'Leases that ran out (job requeued or failed)',
                                     ['type'], registry=registry)
        self.wait_time = Histogram('sb_jobs_wait_seconds', 'Due until taken', ['type'], buckets=BUCKETS,
                                   registry=registry)
        self.run_time = Histogram('sb_jobs_run_seconds', 'Taken until finished', ['type'], buckets=BUCKETS,
                                  registry=registry)
        self._children: Dict[tuple, object] = {}  # (metric, type) -> child: labels() costs ~3 µs a call

    def _of(self, metric, type: str):
        child = self._children.get((metric, type))
        if child is None:
            child = self._children[(metric, type)] = metric.labels(type)
        return child

    # --- loading ------------------------------------------------------------------------------
    def load(self, persistence):
        """The unfinished jobs of the store, once (memory/file: its dict; MongoDB: one query)."""
        items = getattr(persistence, '_items', None)
        if items is not None:
            with persistence._lock:
                jobs = [job.clone() for job in items.values() if job.status in _UNFINISHED]
        else:
            jobs = persistence._docs(persistence._collection.find({'status': {'$in': list(_UNFINISHED)}}))
        with self._lock:
            self._reset()
            for job in jobs:
                self._change(job, time.time(), count=False)

    def _reset(self):
        self._state.clear()
        self._counts.clear()
        self._delayed.clear()
        self._delayed_heap, self._ready_heaps, self._expiry_heap = [], {}, []

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
                self._leave(self._state.pop(job.id, None))

    def jobs_cleared(self):
        with self._lock:
            self._reset()

    def jobs_cleaned(self):
        """The cleaner removed unfinished jobs past execute_until: drop the ones the tracker has."""
        now = time.time()
        with self._lock:
            heap = self._expiry_heap
            while heap and heap[0][0] <= now:
                expires, id = heapq.heappop(heap)
                entry = self._state.get(id)
                if entry is not None and entry.expires == expires:
                    self._leave(self._state.pop(id))

    # --- transitions -------------------------------------------------------------------------
    def _leave(self, entry: Optional[_Entry]):
        if entry is None:
            return
        key = (entry.type, entry.status)
        self._counts[key] = self._counts.get(key, 1) - 1
        if entry.delayed:
            entry.delayed = False
            self._delayed[entry.type] = self._delayed.get(entry.type, 1) - 1

    def _bucket(self, type: str, now: float, index: int):
        minutes = self._minutes.setdefault(type, {})
        minute = int(now // 60)
        bucket = minutes.get(minute)
        if bucket is None:
            bucket = minutes[minute] = [0, 0, 0]
            for old in [m for m in minutes if m <= minute - MINUTES]:
                del minutes[old]
        bucket[index] += 1

    def _change(self, job, now: float, count: bool = True):
        old = self._state.get(job.id)
        status, type = job.status, job.type
        ready = max(_ts(job.created) or now, _ts(job.not_before) or 0)
        if old is not None and old.status == status and (status != QUEUED or old.ready == ready):
            return
        old_status = old.status if old is not None else None
        self._leave(old)
        self._state.pop(job.id, None)
        if status in _UNFINISHED:
            expires = _ts(job.execute_until)
            entry = self._state[job.id] = _Entry(type, status, ready, False, expires)
            self._counts[(type, status)] = self._counts.get((type, status), 0) + 1
            if expires is not None:
                heapq.heappush(self._expiry_heap, (expires, job.id))
            if status == QUEUED:
                self._push_ready(type, ready, job.id)
                if ready > now:
                    entry.delayed = True
                    self._delayed[type] = self._delayed.get(type, 0) + 1
                    heapq.heappush(self._delayed_heap, (ready, job.id))
        if not count:
            return
        if status == QUEUED and old_status is None:
            self._of(self.enqueued, type).inc()
            self._bucket(type, now, 0)
        lease_lost = old_status == RUNNING and (job.last_error or '').startswith('lease expired')
        if lease_lost and status in (QUEUED, FAILED):
            self._of(self.lease_expired, type).inc()
        if status == RUNNING and job.started is not None:
            self._of(self.wait_time, type).observe(max(0.0, _ts(job.started) - ready))
        elif status not in _UNFINISHED and old_status in (None, QUEUED, RUNNING):
            if status == DONE:
                self._of(self.completed, type).inc()
            else:
                self._of(self.failed, type).inc()
            self._bucket(type, now, 1 if status == DONE else 2)
            if old_status == RUNNING and job.started is not None and job.completed is not None:
                self._of(self.run_time, type).observe(max(0.0, _ts(job.completed) - _ts(job.started)))

    def _push_ready(self, type: str, ready: float, id: str):
        heap = self._ready_heaps.setdefault(type, [])
        heapq.heappush(heap, (ready, id))
        if len(heap) > 2 * self._counts.get((type, QUEUED), 0) + 256:  # stale entries: rebuild
            state = self._state
            heap[:] = [(r, i) for r, i in heap if i in state and state[i].status == QUEUED and state[i].ready == r]
            heapq.heapify(heap)

    # --- reading (O(queues), amortised) ----------------------------------------------------------
    def _settle(self, now: float):
        heap = self._delayed_heap
        while heap and heap[0][0] <= now:
            ready, id = heapq.heappop(heap)
            entry = self._state.get(id)
            if entry is not None and entry.delayed and entry.ready == ready:
                entry.delayed = False
                self._delayed[entry.type] = self._delayed.get(entry.type, 1) - 1

    def _oldest_age(self, type: str, now: float) -> float:
        heap = self._ready_heaps.get(type)
        state = self._state
        while heap:
            ready, id = heap[0]
            entry = state.get(id)
            if entry is not None and entry.status == QUEUED and entry.ready == ready:
                return max(0.0, now - ready)
            heapq.heappop(heap)
        return 0.0

    def snapshot(self) -> Dict[str, dict]:
        """Per type: queued (due), delayed, running, oldest_age (s), and the last hour's enqueued / done /
        failed with per-minute buckets (oldest first)."""
        now = time.time()
        minute = int(now // 60)
        result = {}
        with self._lock:
            self._settle(now)
            types = {type for type, _ in self._counts} | set(self._minutes)
            for type in sorted(types):
                delayed = self._delayed.get(type, 0)
                buckets = self._minutes.get(type, {})
                series = [buckets.get(m, (0, 0, 0)) for m in range(minute - MINUTES + 1, minute + 1)]
                result[type] = {
                    'queued': self._counts.get((type, QUEUED), 0) - delayed, 'delayed': delayed,
                    'running': self._counts.get((type, RUNNING), 0), 'oldest_age': self._oldest_age(type, now),
                    'enqueued_1h': sum(b[0] for b in series), 'done_1h': sum(b[1] for b in series),
                    'failed_1h': sum(b[2] for b in series),
                    'per_minute': [list(b) for b in series]}
        return result
