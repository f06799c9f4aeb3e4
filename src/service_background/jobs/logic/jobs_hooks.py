"""What the jobs controller calls when no queue-pauses or metrics component is configured:
null objects, so each hook in the controller is one unconditional line. ``QueuePauses`` and the
metrics' ``JobsTracker`` set themselves on the controller (``controller.pauses`` / ``.metrics``)
from their own set_references, so the controller needs no dependency of its own on them."""
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.errors import BadRequestException


class NoPauses:
    """Every queue runs: a take is the persistence's take."""

    @staticmethod
    def take(persistence, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float):
        return persistence.take(correlation_id, type, now, timeout, default_timeout)

    @staticmethod
    def paused_types(correlation_id: Optional[str] = None) -> List[str]:
        return []

    @staticmethod
    def is_paused(type: str) -> bool:
        return False

    @staticmethod
    def _disabled(correlation_id: Optional[str], *args):
        raise BadRequestException(correlation_id, 'PAUSES_DISABLED', 'Queue pauses are not configured')

    pause = resume = _disabled


class NoJobsMetrics:
    """Drops every observation (``jobs_changed`` hands its list back)."""

    def jobs_changed(self, jobs):
        return jobs

    def job_deleted(self, job):
        pass

    def jobs_cleared(self):
        pass

    def jobs_cleaned(self):
        pass


NO_PAUSES = NoPauses()
NO_METRICS = NoJobsMetrics()
