"""Global per-queue limits: ``set_queue_limits {type, concurrency?, rate?: {limit,
period_ms}}``, ``get_queue_limits {type?}``, ``clear_queue_limits {type}``, enforced by the server
for every take (the start_* commands and want_job, every worker of every process).

``QueueLimits`` (``service-background-jobs:limits:default:default:1.0``) keeps the limits in memory,
re-read from its persistence (``service-background-jobs:persistence-limits:*:*:1.0``: memory, file or
MongoDB) at most every options.refresh_interval ms (default 1000: processes sharing a MongoDB enforce
a limit another process set within that; the process that set it, at once); the jobs controller finds
it by that descriptor. The jobs store enforces them through its ``limit_gate()``
(persistence/queue_limit_memory_gate.py, queue_limit_mongodb_gate.py).

- ``concurrency``: at most that many jobs of the type running at once (a slot per running job, bound to
  its lease: finishing, releasing or deleting the job frees it; a lease that ran out frees it too).
- ``rate``: at most ``limit`` takes per fixed window of ``period_ms`` (windows start at multiples of
  period_ms since the epoch).
- A take the limits refuse hands out nothing (204 / null); a long-poll then waits: a slot freed in
  this process wakes one waiter of the type, one freed by another process bumps the type's queue
  signal (MongoDB), and a full rate window wakes the type's waiters when it ends.
- ``start_job_by_id`` (an operator starting one job by hand) is not refused, but the job counts.
- Lowering a limit never stops running jobs; the type is over it until enough of them leave.
- ``group_concurrency``: at most that many running jobs per ``group_key`` of the type (fair queues). The
  jobs store enforces it inside its takes (``set_group_limits``, given the map after every read of the
  limits), so a take skips a full group's jobs and serves the next group; a grouped job that stops running
  wakes a waiter of its type."""
import threading
import time
from datetime import datetime
from typing import Any, Dict, List, Optional, Set

from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.data import clock
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.logic.queue_pauses import WAKE_ALL
from service_background.jobs.logic.queue_settings import QueueSettings
from service_background.jobs.persistence.i_queue_limit_gate import FULL

MAX_CONCURRENCY = 100000


def _positive_int(correlation_id: Optional[str], name: str, value: Any, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or not 1 <= value <= high:
        raise BadRequestException(correlation_id, 'BAD_LIMITS', f'{name} must be an integer 1..{high}') \
            .with_details('field', name)
    return int(value)


class QueueLimits(QueueSettings):
    _persistence_descriptor = Descriptor('service-background-jobs', 'persistence-limits', '*', '*', '1.0')
    _jobs_persistence_descriptor = Descriptor('service-background-jobs', 'persistence', '*', '*', '1.0')
    _default_refresh_ms = 1000

    def __init__(self):
        super().__init__()
        self._jobs_persistence = None
        self._lock = threading.Lock()
        self._gate = None
        self._wakes: Dict[str, threading.Timer] = {}
        self._full: Set[str] = set()  # types whose last limited take was refused for want of a slot
        self._group_limits: Dict[str, int] = {}  # what the jobs store was last told (set_group_limits)

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
        """Whether the type has a concurrency or rate limit (else a take may claim many of its jobs at once;
        the store enforces a group concurrency alone)."""
        limit = self.current().get(type)
        return limit is not None and (limit.concurrency is not None or limit.rate_limit is not None)

    def _read(self, correlation_id: Optional[str]) -> Dict[str, QueueLimitV1]:
        limits = super()._read(correlation_id)
        groups = {name: limit.group_concurrency for name, limit in limits.items()
                  if limit.group_concurrency is not None}
        if groups != self._group_limits and self._jobs_persistence is not None:
            self._jobs_persistence.set_group_limits(groups)
            self._group_limits = groups
        return limits

    def set_limits(self, correlation_id: Optional[str], type: str, concurrency: Any = None, rate: Any = None,
                   group_concurrency: Any = None) -> dict:
        """Sets (replaces) the type's limits; at least one of ``concurrency``, ``rate`` and
        ``group_concurrency`` is needed."""
        type = require_text(correlation_id, 'type', type)
        if concurrency is None and rate is None and group_concurrency is None:
            raise BadRequestException(correlation_id, 'BAD_LIMITS', 'set concurrency, rate, group_concurrency or '
                                      'several (clear_queue_limits removes them)')
        limit = QueueLimitV1(type, updated=clock.now())
        if group_concurrency is not None:
            limit.group_concurrency = _positive_int(correlation_id, 'group_concurrency', group_concurrency,
                                                    MAX_CONCURRENCY)
        if concurrency is not None:
            limit.concurrency = _positive_int(correlation_id, 'concurrency', concurrency, MAX_CONCURRENCY)
        if rate is not None:
            if not isinstance(rate, dict):
                raise BadRequestException(correlation_id, 'BAD_LIMITS', 'rate must be {limit, period_ms}')
            limit.rate_limit = _positive_int(correlation_id, 'rate.limit', rate.get('limit'), 10 ** 9)
            limit.rate_period_ms = _positive_int(correlation_id, 'rate.period_ms', rate.get('period_ms'), 86400000)
        self._persistence.set(correlation_id, limit)
        self._read(correlation_id)
        self._wake(type, WAKE_ALL)  # a raised limit lets waiters take now
        return limit.to_public()

    def get_limits(self, correlation_id: Optional[str], type: Optional[str] = None) -> List[dict]:
        limits = self._read(correlation_id)
        return [limits[name].to_public() for name in sorted(limits) if type is None or name == type]

    def clear_limits(self, correlation_id: Optional[str], type: str) -> dict:
        type = require_text(correlation_id, 'type', type)
        self._persistence.delete_by_id(correlation_id, type)
        self._read(correlation_id)
        self._wake(type, WAKE_ALL)
        return {'type': type, 'concurrency': None, 'rate': None, 'group_concurrency': None}

    def get_groups(self, correlation_id: Optional[str], type: Any, limit: Any = None) -> List[dict]:
        """The type's group keys with queued or running jobs: [{group_key, queued, running}], most queued first."""
        type = require_text(correlation_id, 'type', type)
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000):
            raise BadRequestException(correlation_id, 'BAD_LIMIT', 'limit must be an integer 1..1000')
        return self._jobs_persistence.get_group_counts(correlation_id, type, limit or 100)

    # --- the take and the controller's hooks ---------------------------------------------------
    def take(self, pauses, persistence, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None):
        limits = {name: limit for name, limit in self.current(correlation_id).items()
                  if limit.concurrency is not None or limit.rate_limit is not None}

        def take_one(name: Optional[str]):
            return pauses.take(persistence, correlation_id, name, now, timeout, default_timeout, worker_id)
        if not limits:
            return take_one(type)
        if type is not None:
            return self._take_limited(limits.get(type), take_one, persistence, type, now, timeout, default_timeout)
        for name in persistence.queued_types(now):  # any type: walk them, limits per type
            job = self._take_limited(limits.get(name), take_one, persistence, name, now, timeout, default_timeout)
            if job is not None:
                return job
        return None

    def _take_limited(self, limit: Optional[QueueLimitV1], take_one, persistence, type: str, now: datetime,
                      timeout, default_timeout):
        if limit is None:
            return take_one(type)
        job, wake_ms = self._gate_for(persistence).take(limit, take_one, type, now, timeout or default_timeout)
        if wake_ms == FULL:
            self._full.add(type)  # a finish of this type now wakes a waiter
        elif wake_ms is not None:
            self._wake_at(type, wake_ms)
        elif job is None:
            self._full.discard(type)  # the queue is empty: nobody waits for a slot
        return job

    def job_left(self, job: Optional[JobV1]):
        """A job stopped running (finished, released, deleted): its slot frees; a waiter tries again."""
        if job is None:
            return
        limit = self.current().get(job.type)
        if limit is None:
            return
        if job.group_key is not None and limit.group_concurrency is not None:
            self._gate_for(self._jobs_persistence).group_slot_freed(job)
            self._wake(job.type, 1)  # its group may have been full: a waiter takes from it now
        if limit.concurrency is None and limit.rate_limit is None:
            return
        self._gate_for(self._jobs_persistence).job_left(job)
        if job.type in self._full:  # only when a take was refused for a slot: no wake-ups under the limit
            self._wake(job.type, 1)

    def job_extended(self, job: JobV1):
        if self.limits(job.type):
            self._gate_for(self._jobs_persistence).job_extended(job)

    def _gate_for(self, persistence):
        """The enforcement of the jobs store (made on first use: the store is open by then)."""
        gate = self._gate
        if gate is None:
            with self._lock:
                if self._gate is None:
                    self._gate = persistence.limit_gate()
                gate = self._gate
        return gate

    def _wake_at(self, type: str, at_ms: float):
        """Waiters refused by a full rate window try again when it ends (one timer per type)."""
        with self._lock:
            if type in self._wakes or not self._opened:
                return
            delay = max(0.0, at_ms / 1000.0 - time.time()) + 0.002

            def fire():
                with self._lock:
                    self._wakes.pop(type, None)
                self._wake(type, WAKE_ALL)
            timer = self._wakes[type] = threading.Timer(delay, fire)
            timer.daemon = True
            timer.start()
