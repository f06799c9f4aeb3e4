"""How a jobs store enforces a queue's limits on a take: the interface its memory and MongoDB gates meet."""
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Callable, Optional, Tuple

from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1

FULL = -1  # a gate's answer: refused because the type runs as many jobs as its concurrency allows


class IQueueLimitGate(ABC):

    @abstractmethod
    def take(self, limit: QueueLimitV1, take_one: Callable[[str], Optional[JobV1]], type: str, now: datetime,
             hold_ms: float) -> Tuple[Optional[JobV1], Optional[float]]:
        """``take_one(type)`` if the limit lets it: (the job or None, None), or (None, FULL) when the
        type runs its concurrency, or (None, epoch ms when the full rate window ends)."""

    @abstractmethod
    def job_left(self, job: JobV1):
        """A limited job stopped running: its slot frees."""

    @abstractmethod
    def group_slot_freed(self, job: JobV1):
        """A job of a type with a group concurrency stopped running: waiters of other processes sharing the
        store try a take again (its group may have been full). Nothing to do for a store of one process."""

    @abstractmethod
    def job_extended(self, job: JobV1):
        """A limited job's lease moved: its slot lasts as long."""
