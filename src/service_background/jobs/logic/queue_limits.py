"""Global per-queue limits: ``set_queue_limits {type, concurrency?, rate?: {limit,
period_ms}}``, ``get_queue_limits {type?}``, ``clear_queue_limits {type}``, enforced by the server
for every take (seed 001's start_* commands and seed 002's want_job, every worker of every process).

``QueueLimits`` (``service-background-jobs:limits:default:default:1.0``) keeps the limits in memory,
re-read from its persistence (``service-background-jobs:persistence-limits:*:*:1.0``: memory, file or
MongoDB) at most every options.refresh_interval ms (default 1000: processes sharing a MongoDB enforce
a limit another process set within that; the process that set it, at once), and sets itself on the jobs controller as ``controller.limits``.

- ``concurrency``: at most that many jobs of the type running at once. Memory/file: the running count
  the persistence keeps per type, checked and the job claimed under its lock (one process owns a
  file store). MongoDB: a slot document ``{_id: "<type>#<i>", job_id, until_ms}`` in
  ``<jobs>_slots`` is inserted (the unique ``_id`` makes one claim win) before the job's own
  find_one_and_update and bound to the job (until = its lease end, moved by extend_job); finishing,
  releasing or deleting the job deletes it; a slot whose until passed (a lease that ran out, a process
  that died) is deleted by the next claim that finds the type full.
- ``rate``: at most ``limit`` takes per fixed window of ``period_ms`` (windows start at multiples of
  period_ms since the epoch). Memory/file: a counter per type; MongoDB: a counter document per
  window ``{_id: "<type>@<window>", n}`` incremented by an upsert that only matches while n < limit.
- A take the limits refuse hands out nothing (204 / null); a long-poll then waits: a slot freed in
  this process wakes one waiter of the type, one freed by another process bumps the type's queue
  signal (MongoDB), and a full rate window wakes the type's waiters when it ends.
- ``start_job_by_id`` (an operator starting one job by hand) is not refused, but the job counts.
- Lowering a limit never stops running jobs; the type is over it until enough of them leave."""
import threading
import time
from datetime import datetime
from typing import Any, Dict, List, Optional, Set

from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor, IReferences
from pymongo.errors import DuplicateKeyError

from service_background.common.data import clock
from service_background.common.data.data_object import DataObjectV1
from service_background.common.persistence.file_journal import FileJournal
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence, date_ms
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.logic.queue_pauses import WAKE_ALL, QueuePauses
from service_background.jobs.logic.queue_settings import QueueSettings

MAX_CONCURRENCY = 100000
FULL = -1  # a gate's answer: refused because the type runs as many jobs as its concurrency allows


class QueueLimitV1(DataObjectV1):
    """The limits of one queue: ``id`` is the job type; None = no such limit."""
    _date_fields = frozenset({'updated'})

    def __init__(self, id: Optional[str] = None, concurrency: Optional[int] = None,
                 rate_limit: Optional[int] = None, rate_period_ms: Optional[int] = None,
                 updated: Optional[datetime] = None):
        self.id = id
        self.concurrency = concurrency
        self.rate_limit = rate_limit
        self.rate_period_ms = rate_period_ms
        self.updated = updated

    def to_public(self) -> dict:
        rate = {'limit': self.rate_limit, 'period_ms': self.rate_period_ms} if self.rate_limit is not None else None
        return {'type': self.id, 'concurrency': self.concurrency, 'rate': rate}


class QueueLimitsMemoryPersistence(MemoryPersistence):
    def __init__(self):
        super().__init__(QueueLimitV1)


class QueueLimitsFilePersistence(QueueLimitsMemoryPersistence):
    """Configure ``path`` (default ./data/queue_limits.json)."""

    def __init__(self, path: str = './data/queue_limits.json'):
        super().__init__()
        self._journal = FileJournal(path)


class QueueLimitsMongoDbPersistence(MongoDbPersistence):
    def __init__(self):
        super().__init__('queue_limits', QueueLimitV1)


def _positive_int(correlation_id: Optional[str], name: str, value: Any, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or not 1 <= value <= high:
        raise BadRequestException(correlation_id, 'BAD_LIMITS', f'{name} must be an integer 1..{high}') \
            .with_details('field', name)
    return int(value)


class _LocalGate:
    """Memory and file stores: the count and the claim under the persistence's lock."""

    def __init__(self):
        self._windows: Dict[str, List[int]] = {}  # type -> [window, takes in it]

    def take(self, limit: QueueLimitV1, take, persistence, type: str, now: datetime, timeout, default_timeout):
        with persistence._lock:
            if limit.concurrency is not None and persistence.running_count(type) >= limit.concurrency:
                return None, FULL
            window = None
            if limit.rate_limit is not None:
                window = int(now.timestamp() * 1000) // limit.rate_period_ms
                counter = self._windows.get(type)
                if counter is not None and counter[0] == window and counter[1] >= limit.rate_limit:
                    return None, (window + 1) * limit.rate_period_ms
            job = take(type)
            if job is not None and window is not None:
                counter = self._windows.get(type)
                if counter is None or counter[0] != window:
                    self._windows[type] = [window, 1]
                else:
                    counter[1] += 1
            return job, None

    def job_left(self, job: JobV1):
        pass

    def job_extended(self, job: JobV1):
        pass


class _MongoGate:
    """Processes sharing a MongoDB: slot documents and window counters (see the module's text)."""

    def __init__(self, persistence):
        database = persistence._collection.database
        name = persistence._collection_name
        self._slots = database[name + '_slots']
        self._rates = database[name + '_rates']
        self._slots.create_index([('job_id', 1)])
        self._slots.create_index([('type', 1)])
        self._rates.create_index([('expires_ms', 1)])
        self._persistence = persistence
        self._swept_ms = 0

    def _claim_slot(self, type: str, concurrency: int, now_ms: int, hold_ms: float) -> Optional[str]:
        for _ in range(concurrency + 5):
            held = list(self._slots.find({'type': type}, {'_id': 1, 'until_ms': 1}))
            if len(held) >= concurrency:
                expired = [doc for doc in held if (doc.get('until_ms') or 0) <= now_ms]
                if not expired:
                    return None
                self._slots.delete_one({'_id': expired[0]['_id'], 'until_ms': expired[0].get('until_ms')})
                continue
            used = {doc['_id'] for doc in held}
            slot_id = next(f'{type}#{i}' for i in range(concurrency + len(used)) if f'{type}#{i}' not in used)
            try:
                self._slots.insert_one({'_id': slot_id, 'type': type, 'job_id': '', 'until_ms': now_ms + int(hold_ms)})
                return slot_id
            except DuplicateKeyError:
                continue  # another claim won this number: look again
        return None

    def _count_rate(self, type: str, limit: QueueLimitV1, now_ms: int):
        window = now_ms // limit.rate_period_ms
        window_id = f'{type}@{window}'
        try:
            self._rates.update_one({'_id': window_id, 'n': {'$lt': limit.rate_limit}},
                                   {'$inc': {'n': 1}, '$setOnInsert': {
                                       'type': type, 'expires_ms': (window + 2) * limit.rate_period_ms}},
                                   upsert=True)
        except DuplicateKeyError:
            return None, (window + 1) * limit.rate_period_ms  # this window is full
        if now_ms - self._swept_ms > 60000:
            self._swept_ms = now_ms
            self._rates.delete_many({'expires_ms': {'$lt': now_ms}})
        return window_id, None

    def take(self, limit: QueueLimitV1, take, persistence, type: str, now: datetime, timeout, default_timeout):
        now_ms = date_ms(now)
        slot_id = None
        if limit.concurrency is not None:
            slot_id = self._claim_slot(type, limit.concurrency, now_ms, timeout or default_timeout)
            if slot_id is None:
                return None, FULL
        job, window_id, wake_ms = None, None, None
        try:
            if limit.rate_limit is not None:
                window_id, wake_ms = self._count_rate(type, limit, now_ms)
                if window_id is None:
                    return None, wake_ms
            job = take(type)
            return job, None
        finally:
            if job is None:
                if window_id is not None:
                    self._rates.update_one({'_id': window_id}, {'$inc': {'n': -1}})
                if slot_id is not None:
                    self._slots.delete_one({'_id': slot_id, 'job_id': ''})
            elif slot_id is not None:
                self._slots.update_one({'_id': slot_id}, {'$set': {'job_id': job.id,
                                                                   'until_ms': date_ms(job.locked_until)}})

    def job_left(self, job: JobV1):
        if self._slots.delete_one({'job_id': job.id}).deleted_count:
            self._persistence.bump_signal(job.type)  # waiters of other processes try again

    def job_extended(self, job: JobV1):
        self._slots.update_one({'job_id': job.id}, {'$set': {'until_ms': date_ms(job.locked_until)}})


class QueueLimits(QueueSettings):
    _persistence_descriptor = Descriptor('service-background-jobs', 'persistence-limits', '*', '*', '1.0')
    _jobs_persistence_descriptor = Descriptor('service-background-jobs', 'persistence', '*', '*', '1.0')
    _controller_attribute = 'limits'
    _default_refresh_ms = 1000

    def __init__(self):
        super().__init__()
        self._jobs_persistence = None
        self._lock = threading.Lock()
        self._gate = None
        self._wakes: Dict[str, threading.Timer] = {}
        self._full: Set[str] = set()  # types whose last limited take was refused for want of a slot

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._jobs_persistence = references.get_one_optional(self._jobs_persistence_descriptor)

    def close(self, correlation_id: Optional[str]):
        super().close(correlation_id)
        with self._lock:
            for timer in self._wakes.values():
                timer.cancel()
            self._wakes = {}

    # --- the limits -------------------------------------------------------------------------
    def _index(self, items: list) -> Dict[str, QueueLimitV1]:
        return {item.id: item for item in items}

    def current(self, correlation_id: Optional[str] = None) -> Dict[str, QueueLimitV1]:
        return self._current(correlation_id)

    def limits(self, type: str) -> bool:
        """Whether the type has a limit (else a take may claim many of its jobs at once)."""
        return type in self.current()

    def set_limits(self, correlation_id: Optional[str], type: str, concurrency: Any = None, rate: Any = None) -> dict:
        """Sets (replaces) the type's limits; at least one of ``concurrency`` and ``rate`` is needed."""
        type = require_text(correlation_id, 'type', type)
        if concurrency is None and rate is None:
            raise BadRequestException(correlation_id, 'BAD_LIMITS', 'set concurrency, rate or both '
                                      '(clear_queue_limits removes them)')
        limit = QueueLimitV1(type, updated=clock.now())
        if concurrency is not None:
            limit.concurrency = _positive_int(correlation_id, 'concurrency', concurrency, MAX_CONCURRENCY)
        if rate is not None:
            if not isinstance(rate, dict):
                raise BadRequestException(correlation_id, 'BAD_LIMITS', 'rate must be {limit, period_ms}')
            limit.rate_limit = _positive_int(correlation_id, 'rate.limit', rate.get('limit'), 10 ** 9)
            limit.rate_period_ms = _positive_int(correlation_id, 'rate.period_ms', rate.get('period_ms'), 86400000)
        self._persistence.set(correlation_id, limit)
        self._read(correlation_id)
        self._wake(type)  # a raised limit lets waiters take now
        return limit.to_public()

    def get_limits(self, correlation_id: Optional[str], type: Optional[str] = None) -> List[dict]:
        limits = self._read(correlation_id)
        return [limits[name].to_public() for name in sorted(limits) if type is None or name == type]

    def clear_limits(self, correlation_id: Optional[str], type: str) -> dict:
        type = require_text(correlation_id, 'type', type)
        self._persistence.delete_by_id(correlation_id, type)
        self._read(correlation_id)
        self._wake(type)
        return {'type': type, 'concurrency': None, 'rate': None}

    # --- the take and the controller's hooks ---------------------------------------------------
    def take(self, pauses, persistence, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float):
        limits = self.current(correlation_id)

        def take_one(name: Optional[str]):
            return pauses.take(persistence, correlation_id, name, now, timeout, default_timeout)
        if not limits:
            return take_one(type)
        if type is not None:
            return self._take_limited(limits.get(type), take_one, persistence, type, now, timeout, default_timeout)
        for name in QueuePauses._queued_types(persistence, now):  # any type: walk them, limits per type
            job = self._take_limited(limits.get(name), take_one, persistence, name, now, timeout, default_timeout)
            if job is not None:
                return job
        return None

    def _take_limited(self, limit: Optional[QueueLimitV1], take_one, persistence, type: str, now: datetime,
                      timeout, default_timeout):
        if limit is None:
            return take_one(type)
        job, wake_ms = self._gate_for(persistence).take(limit, take_one, persistence, type, now, timeout, default_timeout)
        if wake_ms == FULL:
            self._full.add(type)  # a finish of this type now wakes a waiter
        elif wake_ms is not None:
            self._wake_at(type, wake_ms)
        elif job is None:
            self._full.discard(type)  # the queue is empty: nobody waits for a slot
        return job

    def job_left(self, job: Optional[JobV1]):
        """A job stopped running (finished, released, deleted): its slot frees; a waiter tries again."""
        if job is None or job.type not in self.current():
            return
        self._gate_for(self._jobs_persistence).job_left(job)
        if job.type in self._full:  # only when a take was refused for a slot: no wake-ups under the limit
            self._wake(job.type, 1)

    def job_extended(self, job: JobV1):
        if job.type in self.current():
            self._gate_for(self._jobs_persistence).job_extended(job)

    def _gate_for(self, persistence):
        """The enforcement of the jobs store (made on first use: the store is open by then)."""
        gate = self._gate
        if gate is None:
            with self._lock:
                if self._gate is None:
                    self._gate = _MongoGate(persistence) if getattr(persistence, '_collection', None) is not None \
                        else _LocalGate()
                gate = self._gate
        return gate

    def _wake(self, type: str, count: int = WAKE_ALL):
        controller = self._controller
        if controller is not None:
            controller._enqueued.notify()
            controller._long_polls.wake(type, count)

    def _wake_at(self, type: str, at_ms: float):
        """Waiters refused by a full rate window try again when it ends (one timer per type)."""
        with self._lock:
            if type in self._wakes or not self._opened:
                return
            delay = max(0.0, at_ms / 1000.0 - time.time()) + 0.002

            def fire():
                with self._lock:
                    self._wakes.pop(type, None)
                self._wake(type)
            timer = self._wakes[type] = threading.Timer(delay, fire)
            timer.daemon = True
            timer.start()


class NoLimits:
    """No limits component configured: a take is the pauses' take."""

    @staticmethod
    def take(pauses, persistence, correlation_id, type, now, timeout, default_timeout):
        return pauses.take(persistence, correlation_id, type, now, timeout, default_timeout)

    @staticmethod
    def limits(type: str) -> bool:
        return False

    @staticmethod
    def job_left(job):
        pass

    @staticmethod
    def job_extended(job):
        pass

    @staticmethod
    def _disabled(correlation_id: Optional[str], *args):
        raise BadRequestException(correlation_id, 'LIMITS_DISABLED', 'Queue limits are not configured')

    set_limits = get_limits = clear_limits = _disabled


NO_LIMITS = NoLimits()
