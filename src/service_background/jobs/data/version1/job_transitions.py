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


def _attempt(job: JobV1, ended: Optional[datetime], outcome: str, error: Optional[str]) -> dict:
    return {'attempt': job.retries or 0, 'worker_id': job.worker_id, 'started': clock.to_iso(job.started),
            'ended': clock.to_iso(ended), 'outcome': outcome, 'error': error}


def _append(job: JobV1, record: dict) -> None:
    # a new tuple each time, never changed in place: clones share it instead of copying it
    job.attempts = (*(job.attempts or ())[-(MAX_ATTEMPTS - 1):], record)


def end_attempt(job: JobV1, now: datetime, outcome: str, error: Optional[str]) -> None:
    """A running job's attempt ends and the job goes on (queued again, or finished otherwise than its status
    says): the attempt joins ``attempts``. An attempt that finishes the job as its status says is not written:
    the job's own fields tell it (``with_attempts``), so a job done at its first try costs nothing more."""
    if job.status == JobStatusV1.Running:
        _append(job, _attempt(job, now, outcome, error))


def with_attempts(job: JobV1) -> JobV1:
    """``job`` with its every ended attempt in ``attempts`` (for readers): the last one of a finished job is
    made from its fields (retries, worker_id, started, completed, status, last_error) unless it is written."""
    if not job.is_finished or not job.retries or job.started is None:
        return job
    attempts = job.attempts or ()
    started = clock.to_iso(job.started)
    if attempts and attempts[-1].get('started') == started and attempts[-1].get('attempt') == job.retries:
        return job
    _append(job, _attempt(job, job.completed, job.status,
                          job.last_error if job.status == JobStatusV1.Failed else None))
    return job


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
    TTL (or the cleaner's default; neither → kept until deleted). ``outcome``: how its attempt ended,
    written only when it is not the status."""
    if outcome is not None and outcome != status:
        end_attempt(job, now, outcome, error)
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
