"""The null objects of the jobs controller's optional features (pauses, limits, batches, metrics): what it
uses when no such component is configured, so each call into a feature is one unconditional line."""
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.errors import BadRequestException


def _disabled(code: str, message: str):
    def refuse(correlation_id: Optional[str], *args):
        raise BadRequestException(correlation_id, code, message)
    return staticmethod(refuse)


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

    pause = resume = _disabled('PAUSES_DISABLED', 'Queue pauses are not configured')


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

    set_limits = get_limits = clear_limits = _disabled('LIMITS_DISABLED', 'Queue limits are not configured')


class NoBatches:
    """No batches component configured: a finished job ends no batch."""

    @staticmethod
    def job_finished(correlation_id, job):
        pass

    add_batch = get_batch = cancel_batch = _disabled('BATCHES_DISABLED', 'Job batches are not configured')


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
NO_LIMITS = NoLimits()
NO_BATCHES = NoBatches()
NO_METRICS = NoJobsMetrics()
