"""The job state machine: its changes as pure functions on a copy, below both the persistences and the
logic, so memory, file, MongoDB and the controller apply the same rules and cannot drift apart."""
from datetime import datetime, timezone
from typing import Any, Callable, List, Optional

from service_background.common.data import clock
from service_background.common.data.ids import random_hex
from service_background.jobs.data.version1.job_status_v1 import JobStatusV1
from service_background.jobs.data.version1.job_v1 import JobV1

# the not_before of a child waiting on its parents (job_dependencies.py): far in the future, so every
# take skips it without a new query condition
WAITING = datetime(9999, 1, 1, tzinfo=timezone.utc)
MAX_ATTEMPTS = 20  # ended attempts a job keeps (the oldest dropped)


def new_lease_token() -> str:
    """A fresh fence for one lease: 96 random bits, never reused."""
    return random_hex(12)


def claim(job: JobV1, now: datetime, timeout_ms: float, lease_token: Optional[str] = None,
          worker_id: Optional[str] = None) -> JobV1:
    job.status = JobStatusV1.Running
    job.lease_token = lease_token or new_lease_token()
    job.started = now
    job.locked_until = clock.add_ms(now, timeout_ms)
    job.retries = (job.retries or 0) + 1
    if worker_id is not None or job.worker_id is not None:
        job.worker_id = worker_id
    if job.progress is not None or job.progress_message is not None:
        job.progress = job.progress_message = None  # an attempt starts from nothing
    return job


def end_attempt(job: JobV1, now: datetime, outcome: str, error: Optional[str]) -> None:
    """A running job's attempt ends: it joins ``attempts``, a new tuple each time (never changed in place, so
    clones share it instead of copying it, and the collector soon stops tracking it)."""
    if job.status != JobStatusV1.Running:
        return
    record = {'attempt': job.retries or 0, 'worker_id': job.worker_id, 'started': clock.to_iso(job.started),
              'ended': clock.to_iso(now), 'outcome': outcome, 'error': error}
    job.attempts = (*(job.attempts or ())[-(MAX_ATTEMPTS - 1):], record)
    job.worker_id = None


def request_cancel(job: JobV1, now: datetime, reason: Optional[str], default_keep_ms: Optional[float]) -> JobV1:
    """cancel_job: a queued (or delayed, or waiting) job is cancelled now; a running one is asked to stop."""
    job.cancel_reason = reason
    if job.status == JobStatusV1.Running:
        job.cancel_requested = True
        return job
    return finish(job, now, JobStatusV1.Cancelled, None, None, default_keep_ms)


def finish(job: JobV1, now: datetime, status: str, result: Any, error: Optional[str],
           default_keep_ms: Optional[float], outcome: Optional[str] = None) -> JobV1:
    """done / failed / aborted / cancelled: the job is never taken again and is removed after its result
    TTL (or the cleaner's default; neither → kept until deleted). ``outcome``: how its attempt ended
    (default: the status)."""
    end_attempt(job, now, outcome or status, error)
    job.status = status
    if result is not None:
        job.result = result
    if error is not None:
        job.last_error = error
    job.completed = now
    job.locked_until = None
    job.lease_token = None
    if job.result_ttl is not None:
        job.remove_at = clock.add_ms(now, job.result_ttl)
    else:
        job.remove_at = clock.add_ms(now, default_keep_ms) if default_keep_ms else None
    return job


def release(job: JobV1, now: datetime, error: Optional[str], default_keep_ms: Optional[float],
            outcome: str = 'given_back') -> JobV1:
    """Back to the queue after a lost lease or an abort; a job that used its last attempt fails,
    so a queued job is always under max_retries (the take query then needs no field comparison). A job
    whose cancel was requested is cancelled instead: it never runs again."""
    if job.cancel_requested:
        return finish(job, now, JobStatusV1.Cancelled, None, error, default_keep_ms, outcome)
    if (job.retries or 0) >= (job.max_retries or 0):
        return finish(job, now, JobStatusV1.Failed, None,
                      f'{error}; gave up after {job.retries} attempts' if error else 'out of retries',
                      default_keep_ms, outcome)
    end_attempt(job, now, outcome, error)
    job.status = JobStatusV1.Queued
    job.locked_until = None
    job.lease_token = None
    if error is not None:
        job.last_error = error
    return job


def take_repeatedly(take: Callable[[], Optional[JobV1]], limit: int) -> List[JobV1]:
    """``take()`` up to ``limit`` times, stopping at the first None (a store's take_many)."""
    taken: List[JobV1] = []
    while len(taken) < limit:
        job = take()
        if job is None:
            break
        taken.append(job)
    return taken
