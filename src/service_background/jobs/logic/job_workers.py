"""Live workers: a worker names itself on its calls (``report_jobs``' ``worker``); ``get_workers`` lists those
seen within their last three heartbeats.

``JobWorkers`` (``service-background-jobs:workers:default:default:1.0``) checks what a worker says of itself and
keeps it in its persistence (``dependencies.persistence``, ``service-background-jobs:persistence-workers:*:*:1.0``;
shared by the processes on MongoDB or PostgreSQL). A process writes a worker at once the first time it sees it,
then at most once per ``options.write_interval`` ms: the latest info it holds goes out with the next call after
that, or with its timer's tick while open. Its own view of the workers it saw is always current; a copy read
from the store may lag by the write interval, so it counts as live that much longer. The timer also deletes
stale workers from the store every ``options.sweep_interval`` ms, at most ``options.sweep_limit`` a time."""
import math
import threading
import time
from typing import Any, Dict, List, Optional

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import DependencyResolver, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_components.log import CompositeLogger

from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.data import clock
from service_background.jobs.data.version1.job_worker_v1 import DEFAULT_HEARTBEAT_MS, JobWorkerV1
from service_background.jobs.persistence.i_job_workers_persistence import IJobWorkersPersistence

MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 255  # host and version
MAX_TYPES = 1000
MAX_RUNNING = 10_000
MAX_COUNT = 2 ** 31 - 1  # pid, concurrency, busy, idle
MAX_HEARTBEAT_MS = 3_600_000


def _bad(correlation_id: Optional[str], message: str) -> BadRequestException:
    return BadRequestException(correlation_id, 'BAD_WORKER', message)


def _required_text(correlation_id: Optional[str], worker: dict, name: str, max_length: int) -> str:
    value = worker.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= max_length or '\x00' in value:
        raise _bad(correlation_id, f'worker.{name} must be a string of 1..{max_length} characters')
    return value


def _text(correlation_id: Optional[str], worker: dict, name: str, max_length: int) -> Optional[str]:
    return None if worker.get(name) is None else _required_text(correlation_id, worker, name, max_length)


def _count(correlation_id: Optional[str], worker: dict, name: str, low: int, high: int) -> Optional[int]:
    """A whole number (an integral float is taken too, as JavaScript sends them)."""
    value = worker.get(name)
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(correlation_id, f'worker.{name} must be a whole number from {low} to {high}')
    return value


def _texts(correlation_id: Optional[str], worker: dict, name: str, max_items: int) -> List[str]:
    value = worker.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > max_items or not all(
            isinstance(item, str) and 0 < len(item) <= MAX_ID_LENGTH and '\x00' not in item for item in value):
        raise _bad(correlation_id, f'worker.{name} must be a list of at most {max_items} strings '
                                   f'of 1..{MAX_ID_LENGTH} characters')
    return list(value)


def check_worker(correlation_id: Optional[str], worker: Any) -> JobWorkerV1:
    """What a worker says of itself, checked (400 BAD_WORKER), without its dates. Unknown keys are dropped;
    ``busy`` defaults to the number of running jobs, ``idle`` to the free slots when ``concurrency`` is known."""
    if not isinstance(worker, dict):
        raise _bad(correlation_id, 'worker must be an object {id, host?, pid?, version?, types?, concurrency?, '
                                   'running?, busy?, idle?, heartbeat_ms?}')
    running = _texts(correlation_id, worker, 'running', MAX_RUNNING)
    concurrency = _count(correlation_id, worker, 'concurrency', 0, MAX_COUNT)
    busy = _count(correlation_id, worker, 'busy', 0, MAX_COUNT)
    busy = busy if busy is not None else len(running)
    idle = _count(correlation_id, worker, 'idle', 0, MAX_COUNT)
    if idle is None and concurrency is not None:
        idle = max(concurrency - busy, 0)
    heartbeat_ms = _count(correlation_id, worker, 'heartbeat_ms', 1, MAX_HEARTBEAT_MS)
    return JobWorkerV1(
        id=_required_text(correlation_id, worker, 'id', MAX_ID_LENGTH),
        host=_text(correlation_id, worker, 'host', MAX_TEXT_LENGTH),
        pid=_count(correlation_id, worker, 'pid', 0, MAX_COUNT),
        version=_text(correlation_id, worker, 'version', MAX_TEXT_LENGTH),
        types=_texts(correlation_id, worker, 'types', MAX_TYPES), concurrency=concurrency, running=running,
        busy=busy, idle=idle, heartbeat_ms=heartbeat_ms if heartbeat_ms is not None else DEFAULT_HEARTBEAT_MS)


class _Seen:
    """This process's latest info of one worker: when it last wrote it and whether newer info waits."""
    __slots__ = ('worker', 'written_at', 'dirty')

    def __init__(self, worker: JobWorkerV1, written_at: float):
        self.worker = worker
        self.written_at = written_at
        self.dirty = False


class JobWorkers(IConfigurable, IReferenceable, IOpenable):
    """Opened by the container: its timer writes the waiting info and sweeps the store."""

    _default_config = ConfigParams.from_tuples(
        'dependencies.persistence', 'service-background-jobs:persistence-workers:*:*:1.0',
        'options.write_interval', 1000,
        'options.sweep_interval', 10000,
        'options.sweep_limit', 100,
        'options.max_workers', 10000)

    def __init__(self):
        self._dependency_resolver = DependencyResolver(self._default_config)
        self._logger = CompositeLogger()
        self._persistence: Optional[IJobWorkersPersistence] = None
        self._write_interval_ms = 1000.0
        self._sweep_interval_ms = 10000.0
        self._sweep_limit = 100
        self._max_workers = 10000
        self._lock = threading.Lock()
        self._seen: Dict[str, _Seen] = {}
        self._timer: Optional[IntervalTimer] = None
        self._swept_at = 0.0

    def configure(self, config: ConfigParams):
        config = config.set_defaults(self._default_config)
        self._dependency_resolver.configure(config)
        self._write_interval_ms = max(0.0, config.get_as_float('options.write_interval'))
        self._sweep_interval_ms = max(0.0, config.get_as_float('options.sweep_interval'))
        self._sweep_limit = max(1, config.get_as_integer('options.sweep_limit'))
        self._max_workers = max(1, config.get_as_integer('options.max_workers'))

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._dependency_resolver.set_references(references)
        self._persistence = self._dependency_resolver.get_one_required('persistence')

    @property
    def blocking(self):
        """Whether calls may block on I/O, as the persistence says (the services then run them off the loop)."""
        return getattr(self._persistence, 'blocking', True)

    def is_open(self) -> bool:
        return self._timer is not None

    def open(self, correlation_id: Optional[str]):
        if self._timer is None:
            self._timer = IntervalTimer('jobs-workers', self._tick, max(self._write_interval_ms, 100), self._logger)
            self._timer.start()

    def close(self, correlation_id: Optional[str]):
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.stop()

    def _tick(self):
        self.flush(None)
        if time.monotonic() - self._swept_at >= self._sweep_interval_ms / 1000.0:
            self._swept_at = time.monotonic()
            self.sweep(None)

    # --- the calls ------------------------------------------------------------------------------
    def seen(self, correlation_id: Optional[str], worker: Any) -> str:
        """Records the worker as seen now (400 BAD_WORKER when malformed); its id."""
        info = check_worker(correlation_id, worker)
        worker_id = info.id
        info.last_seen = clock.now()
        with self._lock:
            entry = self._seen.get(worker_id)
            if entry is not None:
                info.started = entry.worker.started
                entry.worker = info
                if not self._due(entry, time.monotonic()):
                    entry.dirty = True
                    return worker_id
                entry.written_at, entry.dirty = time.monotonic(), False
        if entry is None:
            if not self._room_for_one():
                return worker_id  # past the bound: a new worker is not recorded until others go
            stored = self._persistence.get_one_by_id(correlation_id, worker_id)
            info.started = stored.started if stored is not None and stored.started is not None else info.last_seen
            with self._lock:
                self._seen.setdefault(worker_id, _Seen(info, time.monotonic()))
        self._write(correlation_id, [info.clone()])
        return worker_id

    def get_workers(self, correlation_id: Optional[str]) -> List[JobWorkerV1]:
        """The live workers (seen within three heartbeats), by id; this process's own info where it is newer
        than the stored copy."""
        latest = {worker.id: (worker, worker.live_until_ms(self._write_interval_ms))
                  for worker in self._persistence.get_list_by_filter(correlation_id)}
        with self._lock:
            own = [entry.worker.clone() for entry in self._seen.values()]
        for worker in own:
            stored = latest.get(worker.id)
            if stored is None or stored[0].last_seen is None or stored[0].last_seen <= worker.last_seen:
                latest[worker.id] = (worker, worker.live_until_ms())
        now_ms = clock.to_epoch_ms(clock.now())
        return sorted((worker for worker, until in latest.values() if until >= now_ms), key=lambda w: w.id or '')

    def flush(self, correlation_id: Optional[str]) -> int:
        """Writes the waiting info of each worker whose write interval has passed, and forgets the workers this
        process saw that are gone; the number written."""
        now_ms = clock.to_epoch_ms(clock.now())
        with self._lock:
            mono = time.monotonic()
            due = [entry for entry in self._seen.values() if entry.dirty and self._due(entry, mono)]
            for entry in due:
                entry.written_at, entry.dirty = mono, False
            workers = [entry.worker.clone() for entry in due]
            self._forget_gone(now_ms)
        self._write(correlation_id, workers)
        return len(workers)

    def sweep(self, correlation_id: Optional[str]) -> int:
        """Deletes from the store at most ``options.sweep_limit`` workers gone (even allowing for another
        process's write interval), unless seen again meanwhile; the number deleted."""
        now_ms = clock.to_epoch_ms(clock.now())
        with self._lock:
            live_here = {id for id, entry in self._seen.items() if entry.worker.live_until_ms() >= now_ms}
        gone = [worker for worker in self._persistence.get_list_by_filter(correlation_id)
                if worker.id not in live_here and worker.live_until_ms(self._write_interval_ms) < now_ms]
        return self._persistence.delete_unchanged(correlation_id, gone[:self._sweep_limit]) if gone else 0

    # --- helpers --------------------------------------------------------------------------------
    def _due(self, entry: _Seen, mono: float) -> bool:
        return (mono - entry.written_at) * 1000.0 >= self._write_interval_ms

    def _room_for_one(self) -> bool:
        with self._lock:
            if len(self._seen) >= self._max_workers:
                self._forget_gone(clock.to_epoch_ms(clock.now()))
            return len(self._seen) < self._max_workers

    def _forget_gone(self, now_ms: float):
        """Under the lock: drops the workers gone whose latest info is written."""
        gone = [id for id, entry in self._seen.items() if not entry.dirty and entry.worker.live_until_ms() < now_ms]
        for id in gone:
            del self._seen[id]

    def _write(self, correlation_id: Optional[str], workers: List[JobWorkerV1]):
        """Stores each worker; on a failure the unwritten ones wait again for the next try."""
        for i, worker in enumerate(workers):
            try:
                self._persistence.set(correlation_id, worker)
            except Exception:
                with self._lock:
                    for unwritten in workers[i:]:
                        entry = self._seen.get(unwritten.id)
                        if entry is not None:
                            entry.dirty, entry.written_at = True, 0.0
                raise
