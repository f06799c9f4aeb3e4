"""The jobs controller's take, one pipeline: the queue limits, then the pauses, then the store; jobs found
past their execute_until on the way fail as expired instead of being handed out."""
from datetime import datetime
from typing import Any, Callable, List, Optional

from pip_services3_commons.errors import BadRequestException, ConflictException

from service_background.common.data import clock
from service_background.common.data.validation import optional_non_negative, require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.logic import job_outcomes as outcomes

MAX_BATCH = 1000


class JobTaking:
    """``fail_expired(correlation_id, job_id)`` fails a taken job found past its execute_until."""

    def __init__(self, persistence, options, features, fail_expired: Callable[[Optional[str], str], Any]):
        self._persistence = persistence
        self._options = options
        self._features = features
        self._fail_expired = fail_expired

    def start_job_by_id(self, correlation_id: Optional[str], job_id: str, timeout: Optional[float],
                        worker_id: Optional[str] = None) -> JobV1:
        now = clock.now()
        default_timeout = self._options.get('default_timeout')

        def start(job: Optional[JobV1]) -> JobV1:
            job = outcomes.require(correlation_id, job_id, job)
            if job.status != JobStatusV1.Queued:
                raise ConflictException(correlation_id, 'JOB_NOT_QUEUED', f'Job {job_id} is {job.status}, not queued')
            return rules.claim(job, now, timeout or job.timeout or default_timeout, None, worker_id)
        job = self._persistence.modify(correlation_id, require_text(correlation_id, 'job_id', job_id), start)
        self._features.tracing.taken([job])
        return self._features.metrics.jobs_changed([job])[0]

    def start_jobs_by_type(self, correlation_id: Optional[str], type: Optional[str], timeout: Optional[float],
                           limit: Any = 1, worker_id: Optional[str] = None) -> List[JobV1]:
        """Takes up to ``limit`` jobs (any type when ``type`` is None) for the worker ``worker_id``."""
        limit = optional_non_negative(correlation_id, 'limit', limit, 1)
        if limit != int(limit) or not 1 <= limit <= MAX_BATCH:
            raise BadRequestException(correlation_id, 'BAD_LIMIT', f'limit must be an integer 1..{MAX_BATCH}')
        result = []
        with self._persistence.batch():  # file: one journal group and one fsync for the whole take
            while len(result) < limit:
                now = clock.now()
                jobs = self._take(correlation_id, type, now, timeout, limit - len(result), worker_id)
                if not jobs:
                    break
                for job in jobs:
                    if job.execute_until is not None and job.execute_until <= now:
                        self._fail_expired(correlation_id, job.id)
                    else:
                        result.append(job)
        self._features.tracing.taken(result)
        return self._features.metrics.jobs_changed(result)

    def _take(self, correlation_id: Optional[str], type: Optional[str], now: datetime, timeout: float,
              limit: int, worker_id: Optional[str]) -> List[JobV1]:
        default_timeout = self._options.get('default_timeout')
        limits, pauses = self._features.limits, self._features.pauses
        if type is not None and not limits.limits(type) and not pauses.is_paused(type):
            return self._persistence.take_many(correlation_id, type, now, timeout, default_timeout, limit, worker_id)
        job = limits.take(pauses, self._persistence, correlation_id, type, now, timeout,
                          default_timeout, worker_id)  # limits, then pauses, then the store
        return [job] if job is not None else []
