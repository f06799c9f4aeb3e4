"""Paused queues: ``pause_queue {type}`` / ``resume_queue {type}``, persisted, and a take
that skips paused types (seed 001's start_* commands and seed 002's want_job alike, both go through
``JobsController.start_jobs_by_type``).

``QueuePauses`` (``service-background-jobs:pauses:default:default:1.0``) keeps the paused set in
memory, re-read from its persistence (``service-background-jobs:persistence-pauses:*:*:1.0``: memory,
file or MongoDB) at most every options.refresh_interval ms (default 2000, so processes sharing a
MongoDB see each other's pauses within that) and sets itself on the jobs controller as
``controller.pauses``. A take of one paused type finds nothing; a take of any type (type None) walks
the types that have queued jobs, skipping paused ones (memory/file: best head first by (priority,
created); MongoDB: ``distinct`` types of queued jobs)."""
from datetime import datetime
from typing import List, Optional, Set

from pip_services3_commons.refer import Descriptor

from service_background.common.data import clock
from service_background.common.data.data_object import DataObjectV1
from service_background.common.persistence.file_journal import FileJournal
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.common.data.validation import require_text
from service_background.jobs.logic.queue_settings import QueueSettings

WAKE_ALL = 1 << 20


class QueuePauseV1(DataObjectV1):
    """One paused queue: ``id`` is the job type."""
    _date_fields = frozenset({'paused_at'})

    def __init__(self, id: Optional[str] = None, paused_at: Optional[datetime] = None):
        self.id = id
        self.paused_at = paused_at


class QueuePausesMemoryPersistence(MemoryPersistence):
    def __init__(self):
        super().__init__(QueuePauseV1)


class QueuePausesFilePersistence(QueuePausesMemoryPersistence):
    """Configure ``path`` (default ./data/queue_pauses.json)."""

    def __init__(self, path: str = './data/queue_pauses.json'):
        super().__init__()
        self._journal = FileJournal(path)


class QueuePausesMongoDbPersistence(MongoDbPersistence):
    def __init__(self):
        super().__init__('queue_pauses', QueuePauseV1)


class QueuePauses(QueueSettings):
    _persistence_descriptor = Descriptor('service-background-jobs', 'persistence-pauses', '*', '*', '1.0')
    _controller_attribute = 'pauses'
    _default_refresh_ms = 2000

    # --- the paused set ---------------------------------------------------------------------
    def _index(self, items: list) -> Set[str]:
        return {item.id for item in items}

    def paused_set(self, correlation_id: Optional[str] = None) -> Set[str]:
        return self._current(correlation_id)

    def paused_types(self, correlation_id: Optional[str] = None) -> List[str]:
        return sorted(self.paused_set(correlation_id))

    def is_paused(self, type: str) -> bool:
        return type in self.paused_set()

    def pause(self, correlation_id: Optional[str], type: str) -> dict:
        type = require_text(correlation_id, 'type', type)
        self._persistence.set(correlation_id, QueuePauseV1(type, clock.now()))
        self._read(correlation_id)
        return {'type': type, 'paused': True}

    def resume(self, correlation_id: Optional[str], type: str) -> dict:
        type = require_text(correlation_id, 'type', type)
        self._persistence.delete_by_id(correlation_id, type)
        self._read(correlation_id)
        controller = self._controller
        if controller is not None:  # waiters of the queue (and of any queue) try again now
            controller._enqueued.notify()
            controller._long_polls.wake(type, WAKE_ALL)
        return {'type': type, 'paused': False}

    # --- the take ------------------------------------------------------------------------
    def take(self, persistence, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float):
        paused = self.paused_set(correlation_id)
        if not paused:
            return persistence.take(correlation_id, type, now, timeout, default_timeout)
        if type is not None:
            return None if type in paused else persistence.take(correlation_id, type, now, timeout, default_timeout)
        for name in self._queued_types(persistence, now):
            if name not in paused:
                job = persistence.take(correlation_id, name, now, timeout, default_timeout)
                if job is not None:
                    return job
        return None

    @staticmethod
    def _queued_types(persistence, now: datetime) -> List[str]:
        index = getattr(persistence, '_queue', None)
        if index is not None:  # memory / file: the queue heaps, best head first
            with persistence._lock:
                index._promote_due(now)  # as the take does: delayed jobs that fell due join their heaps
                tops = [(entry, name) for name in list(index._ready) for entry in [index._top(name)] if entry]
            return [name for _, name in sorted(tops)]
        return list(persistence._collection.distinct('type', {'status': 'queued'}))
