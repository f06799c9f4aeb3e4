"""The null objects of the jobs controller's optional features (pauses, limits, batches, logs, workers,
metrics): what it uses when no such component is configured, so each call into a feature is one unconditional
line."""
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
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None):
        return persistence.take(correlation_id, type, now, timeout, default_timeout, worker_id)

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
    def take(pauses, persistence, correlation_id, type, now, timeout, default_timeout, worker_id=None):
        return pauses.take(persistence, correlation_id, type, now, timeout, default_timeout, worker_id)

    @staticmethod
    def limits(type: str) -> bool:
        return False

    @staticmethod
    def job_left(job):
        pass

    @staticmethod
    def job_extended(job):
        pass

    set_limits = get_limits = clear_limits = get_groups = _disabled('LIMITS_DISABLED',
                                                                    'Queue limits are not configured')


class NoBatches:
    """No batches component configured: a finished job ends no batch."""

    @staticmethod
    def job_finished(correlation_id, job):
        pass

    add_batch = get_batch = cancel_batch = _disabled('BATCHES_DISABLED', 'Job batches are not configured')
    add_workflow = get_workflow = cancel_workflow = _disabled('BATCHES_DISABLED', 'Job batches (and so workflows) '
                                                              'are not configured')


class NoLogs:
    """No job logs component configured: lines are refused, and there is nothing to remove."""

    @staticmethod
    def remove(correlation_id, job_ids):
        pass

    @staticmethod
    def clear(correlation_id):
        pass

    @staticmethod
    def sweep(correlation_id, existing):
        pass

    append = get_log = _disabled('LOGS_DISABLED', 'Job logs are not configured')


class NoWorkers:
    """No workers registry configured: a worker's id is taken as it says, and no worker is listed."""

    @staticmethod
    def seen(correlation_id, worker):
        worker_id = worker.get('id') if isinstance(worker, dict) else None
        if not isinstance(worker_id, str) or not 0 < len(worker_id) <= 200:
            raise BadRequestException(correlation_id, 'BAD_WORKER', 'worker.id must be a string of 1..200 characters')
        return worker_id

    @staticmethod
    def get_workers(correlation_id):
        return []


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
NO_LOGS = NoLogs()
NO_WORKERS = NoWorkers()
