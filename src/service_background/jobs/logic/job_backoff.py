"""Retry backoff: a job that fails with attempts left (fail_job, the queue API's
``PUT /jobs/<id>`` failed, or a lease that runs out) goes back to the queue with ``not_before`` =
now + its backoff, and ``last_error`` says so. ``abort_job`` (a worker giving a job back on purpose,
as the worker library does for an error with attempts left) still re-queues at once.

``NewJobV1.backoff = {type, base_ms, max_ms, jitter}``:
- ``type``: ``exponential`` (base_ms * 2^(attempt-1), capped by max_ms) or ``fixed`` (base_ms);
- ``base_ms`` (>= 0; 0 = at once), ``max_ms`` (>= 0);
- ``jitter``: 0..1, the share of the delay that is random (delay * (1 - jitter * U[0,1)), so jitter
  only shortens); ``true`` = 0.5, ``false`` = 0.
Unset fields take the controller's defaults: options.backoff_base (1000), options.backoff_max
(3600000), options.backoff_jitter (0.5): exponential 1 s → 1 h with jitter."""
import random
from datetime import datetime
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.logic.job_dependencies import wait_for_parents

TYPES = ('exponential', 'fixed')
# durations past this overflow a date (about 317 years): the OpenAPI document's bound too
MAX_MS = 1e13


def _bad(correlation_id: Optional[str], message: str):
    return BadRequestException(correlation_id, 'BAD_BACKOFF', message).with_details('field', 'backoff')


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def check_backoff(correlation_id: Optional[str], backoff: Any) -> Optional[dict]:
    """The job's backoff, checked and kept as given (None: the defaults)."""
    if backoff is None:
        return None
    if not isinstance(backoff, dict):
        raise _bad(correlation_id, 'backoff must be an object {type, base_ms, max_ms, jitter}')
    unknown = set(backoff) - {'type', 'base_ms', 'max_ms', 'jitter'}
    if unknown:
        raise _bad(correlation_id, f'backoff has unknown fields: {sorted(unknown)}')
    if backoff.get('type', 'exponential') not in TYPES:
        raise _bad(correlation_id, 'backoff.type must be "exponential" or "fixed"')
    for name in ('base_ms', 'max_ms'):
        if name in backoff and (not _number(backoff[name]) or not 0 <= backoff[name] <= MAX_MS):
            raise _bad(correlation_id, f'backoff.{name} must be a number 0..{MAX_MS:.0e} (ms)')
    jitter = backoff.get('jitter')
    if jitter is not None and not isinstance(jitter, bool) and (not _number(jitter) or not 0 <= jitter <= 1):
        raise _bad(correlation_id, 'backoff.jitter must be a number 0..1 or a boolean')
    return dict(backoff)


def delay_ms(job: JobV1, base_ms: float, max_ms: float, jitter: float, rng=random.random) -> float:
    """The wait before the next attempt of ``job``, whose ``retries`` attempts so far failed."""
    spec = job.backoff or {}
    base = spec.get('base_ms', base_ms)
    cap = spec.get('max_ms', max_ms)
    share = spec.get('jitter', jitter)
    share = 0.5 if share is True else 0.0 if share is False else float(share)
    if spec.get('type', 'exponential') == 'fixed':
        delay = base
    else:
        delay = base * (2 ** min(max((job.retries or 1) - 1, 0), 62))
    delay = min(delay, cap)
    return max(0.0, delay * (1 - share * rng()))


def back_off(job: JobV1, now: datetime, delay: float, error: str) -> JobV1:
    """``job`` (just released to the queue) made due after ``delay`` ms, with the wait in last_error."""
    if delay > 0:
        job.not_before = clock.add_ms(now, delay)
        job.last_error = f'{error}; retry {job.retries + 1} of {job.max_retries} after {int(delay)} ms'
    return job


class RetryPolicy:
    """The controller's defaults (options.backoff_base / backoff_max / backoff_jitter) applied to a
    failing job."""

    def __init__(self, base_ms: float, max_ms: float, jitter: float, keep_ms: Optional[float]):
        self.base_ms, self.max_ms, self.jitter, self.keep_ms = base_ms, max_ms, jitter, keep_ms

    def delay(self, job: JobV1) -> float:
        return delay_ms(job, self.base_ms, self.max_ms, self.jitter)

    def fail(self, job: JobV1, now: datetime, error: str, result: Any = None) -> JobV1:
        """fail_job / PUT failed: a running job with attempts left goes back after its backoff; else
        (its last attempt, or a job that was not running) it is failed with ``error``."""
        if job.cancel_requested:  # asked to stop: it never runs again
            return rules.finish(job, now, JobStatusV1.Cancelled, result, error, self.keep_ms, JobStatusV1.Failed)
        if job.status == JobStatusV1.Running and (job.retries or 0) < (job.max_retries or 0):
            if result is not None:
                job.result = result
            job = rules.release(job, now, error, self.keep_ms, 'retried')
            return back_off(job, now, self.delay(job), error)
        return rules.finish(job, now, JobStatusV1.Failed, result, error, self.keep_ms)

    def release(self, job: JobV1, now: datetime, error: str) -> JobV1:
        """A lease that ran out: back to the queue after the backoff (failed past max_retries; cancelled
        when its cancel was requested)."""
        job = rules.release(job, now, error, self.keep_ms, 'lease_expired')
        return back_off(job, now, self.delay(job), error) if job.status == JobStatusV1.Queued else job


RETRYABLE = (JobStatusV1.Failed, JobStatusV1.Aborted)
REQUEUABLE = (JobStatusV1.Queued, JobStatusV1.Done, JobStatusV1.Failed, JobStatusV1.Aborted, JobStatusV1.Cancelled,
              JobStatusV1.Skipped)


def requeue(job: Optional[JobV1], now: datetime, statuses, reset_attempts: bool = True) -> Optional[JobV1]:
    """The one requeue rule (retry_jobs and the dashboard's retry / requeue): a job whose status is in
    ``statuses`` queued again, due now, its lease and completion cleared, its last_error kept; attempts
    start over when ``reset_attempts`` or when none are left; a passed execute_until is dropped (else
    the job would expire at once). A child (depends_on) waits for its parents again."""
    if job is None or job.status not in statuses:
        return None
    job = rules.with_attempts(job)  # the last attempt is written before the fields that tell it change
    job.status = JobStatusV1.Queued
    if reset_attempts or (job.retries or 0) >= (job.max_retries or 1):
        job.retries = 0
    job.not_before = now
    job.completed = job.locked_until = job.lease_token = job.remove_at = None
    if job.execute_until is not None and job.execute_until <= now:
        job.execute_until = None
    job.waiting_on = None
    if job.cancel_requested is not None or job.cancel_reason is not None:
        job.cancel_requested = job.cancel_reason = None
    return wait_for_parents(job)
