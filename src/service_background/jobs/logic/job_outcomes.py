"""What a worker's outcome does to a job it holds (extend, abort, complete, fail), as changes a
persistence applies in one atomic step: the single calls and report_jobs share them, so both fence alike."""
from datetime import datetime
from typing import Any, Optional, Tuple

from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.logic.job_backoff import RetryPolicy
from service_background.jobs.logic.lease_checks import check_lease


def not_found(correlation_id: Optional[str], job_id: str) -> NotFoundException:
    return NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'Job {job_id} was not found') \
        .with_details('job_id', job_id)


def require(correlation_id: Optional[str], job_id: str, job: Optional[JobV1]) -> JobV1:
    if job is None:
        raise not_found(correlation_id, job_id)
    return job


def require_running(correlation_id: Optional[str], job_id: str, job: Optional[JobV1],
                    lease_token: Optional[str] = None) -> JobV1:
    job = require(correlation_id, job_id, job)
    check_lease(correlation_id, job_id, job, lease_token)
    if job.status != JobStatusV1.Running:
        raise ConflictException(correlation_id, 'JOB_NOT_RUNNING', f'Job {job_id} is {job.status}, not running')
    return job


def extend(correlation_id: Optional[str], job_id: str, job: Optional[JobV1], lease_token: Optional[str],
           now: datetime, timeout: Optional[float], default_timeout: float) -> JobV1:
    """The lease runs ``timeout`` ms from now (else the job's own timeout, else the default)."""
    job = require_running(correlation_id, job_id, job, lease_token)
    job.locked_until = clock.add_ms(now, timeout or job.timeout or default_timeout)
    return job


def cancelled(correlation_id: Optional[str], job_id: str, job: Optional[JobV1], lease_token: Optional[str],
              now: datetime, keep_ms: Optional[float]) -> JobV1:
    """The worker stopped the handler after a cancel request (or on its own): the job is cancelled."""
    job = require_running(correlation_id, job_id, job, lease_token)
    return rules.finish(job, now, JobStatusV1.Cancelled, None, None, keep_ms)


def progress(correlation_id: Optional[str], job_id: str, job: Optional[JobV1], lease_token: Optional[str],
             value: Tuple[float, Optional[str]]) -> JobV1:
    """The handler's progress (0..100) and message, on the running job."""
    job = require_running(correlation_id, job_id, job, lease_token)
    job.progress, job.progress_message = value
    return job


def check_progress(correlation_id: Optional[str], progress: Any, message: Any) -> Tuple[float, Optional[str]]:
    """set_job_progress's arguments: a number 0..100 and an optional message of up to 1000 characters."""
    if isinstance(progress, bool) or not isinstance(progress, (int, float)) or not 0 <= progress <= 100:
        raise BadRequestException(correlation_id, 'BAD_PROGRESS', 'progress must be a number 0..100') \
            .with_details('field', 'progress')
    if message is not None and (not isinstance(message, str) or len(message) > 1000):
        raise BadRequestException(correlation_id, 'BAD_PROGRESS', 'message must be a string of up to 1000 characters') \
            .with_details('field', 'message')
    return float(progress), message


def abort(correlation_id: Optional[str], job_id: str, job: Optional[JobV1], lease_token: Optional[str],
          now: datetime, keep_ms: Optional[float]) -> JobV1:
    """Given back to the queue at once (a job out of attempts fails instead)."""
    return rules.release(require_running(correlation_id, job_id, job, lease_token), now, 'aborted', keep_ms)


def finish(correlation_id: Optional[str], job_id: str, job: Optional[JobV1], lease_token: Optional[str],
           now: datetime, status: str, result: Any, error: Optional[str], keep_ms: Optional[float],
           retry: Optional[RetryPolicy] = None) -> JobV1:
    """Done or failed; with ``retry``, a failed job with attempts left goes back after its backoff."""
    job = require(correlation_id, job_id, job)
    check_lease(correlation_id, job_id, job, lease_token)
    if job.is_finished:
        raise ConflictException(correlation_id, 'JOB_FINISHED', f'Job {job_id} is already {job.status}')
    if retry is not None and status == JobStatusV1.Failed:
        return retry.fail(job, now, error, result)
    return rules.finish(job, now, status, result, error, keep_ms)
