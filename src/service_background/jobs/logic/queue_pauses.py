"""Paused queues: ``pause_queue {type}`` / ``resume_queue {type}``, persisted, and a take that skips
paused types (the start_* commands and want_job alike go through ``JobsController.start_jobs_by_type``).

``QueuePauses`` (``service-background-jobs:pauses:default:default:1.0``) keeps the paused set in
memory, re-read from its persistence (``service-background-jobs:persistence-pauses:*:*:1.0``: memory,
file or MongoDB) at most every options.refresh_interval ms (default 2000, so processes sharing a
MongoDB see each other's pauses within that); the jobs controller finds it by that descriptor. A take
of one paused type finds nothing; a take of any type (type None) walks the types that have queued jobs
(``IJobsPersistence.queued_types``), skipping paused ones."""
from datetime import datetime
from typing import List, Optional, Set

from pip_services3_commons.refer import Descriptor

from service_background.common.data import clock
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1
from service_background.jobs.logic.queue_settings import QueueSettings

WAKE_ALL = 1 << 20


class QueuePauses(QueueSettings):
    _persistence_descriptor = Descriptor('service-background-jobs', 'persistence-pauses', '*', '*', '1.0')
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
        self._wake(type, WAKE_ALL)
        return {'type': type, 'paused': False}

    # --- the take ------------------------------------------------------------------------
    def take(self, persistence, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None):
        paused = self.paused_set(correlation_id)
        if not paused:
            return persistence.take(correlation_id, type, now, timeout, default_timeout, worker_id)
        if type is not None:
            return None if type in paused else \
                persistence.take(correlation_id, type, now, timeout, default_timeout, worker_id)
        for name in persistence.queued_types(now):
            if name not in paused:
                job = persistence.take(correlation_id, name, now, timeout, default_timeout, worker_id)
                if job is not None:
                    return job
        return None
