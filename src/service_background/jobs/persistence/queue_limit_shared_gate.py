"""The take of a queue limit gate shared by processes through a database: a slot claimed, a rate window
counted, and both given back when nothing was taken; each database gate supplies the four steps."""
from abc import abstractmethod
from datetime import datetime
from typing import Optional, Tuple

from service_background.common.data import clock
from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.i_queue_limit_gate import FULL, IQueueLimitGate


class SharedQueueLimitGate(IQueueLimitGate):

    def take(self, limit: QueueLimitV1, take_one, type: str, now: datetime, hold_ms: float):
        now_ms = clock.to_epoch_ms(now)
        slot_id = None
        if limit.concurrency is not None:
            slot_id = self._claim_slot(type, limit.concurrency, now_ms, hold_ms)
            if slot_id is None:
                return None, FULL
        job, window_id = None, None
        try:
            if limit.rate_limit is not None:
                window_id, wake_ms = self._count_rate(type, limit, now_ms)
                if window_id is None:
                    return None, wake_ms
            job = take_one(type)
            return job, None
        finally:
            if job is None:  # nothing taken (or the take failed): give back what was counted
                self._give_back(slot_id, window_id)
            elif slot_id is not None:
                self._bind_slot(slot_id, job, now_ms + int(hold_ms))

    @abstractmethod
    def _claim_slot(self, type: str, concurrency: int, now_ms: int, hold_ms: float) -> Optional[str]:
        """A slot of ``type`` held until now + hold_ms, or None when the type runs ``concurrency`` jobs."""

    @abstractmethod
    def _count_rate(self, type: str, limit: QueueLimitV1, now_ms: int) -> Tuple[Optional[str], Optional[int]]:
        """(the window's counter id, None) when the take counts in it, else (None, epoch ms of its end)."""

    @abstractmethod
    def _give_back(self, slot_id: Optional[str], window_id: Optional[str]):
        """Frees the slot claimed and uncounts the take (each when not None)."""

    @abstractmethod
    def _bind_slot(self, slot_id: str, job: JobV1, hold_until_ms: int):
        """The slot now belongs to ``job`` and lasts as its lease (``hold_until_ms`` when it has none)."""
