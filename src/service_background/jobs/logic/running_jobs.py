"""Steering and watching running jobs: cancel, progress, the job's log and the live workers (a part of the
jobs controller; the log and the workers are features found by descriptor, jobs_features.py)."""
import time
from typing import Any, Dict, List, Optional

from pip_services3_commons.errors import BadRequestException, ConflictException

from service_background.common.data import clock
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.logic import job_outcomes as outcomes
from service_background.jobs.logic.lease_checks import lease_token_arg

MAX_REASON = 1000
MAX_WATCHED = 10000  # workers whose last cancel check is remembered (past it, the memory starts over)


def reason_arg(correlation_id: Optional[str], reason: Any) -> Optional[str]:
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        raise BadRequestException(correlation_id, 'BAD_REASON', f'reason must be a string of up to {MAX_REASON} '
                                  'characters').with_details('field', 'reason')
    return reason


class RunningJobs:

    def __init__(self, persistence, options, features, events):
        self._persistence = persistence
        self._options = options
        self._features = features
        self._events = events
        self._checked_at: Dict[str, float] = {}  # worker id -> when its jobs were last looked at (monotonic s)

    def cancel_job(self, correlation_id: Optional[str], job_id: Any, reason: Any = None) -> JobV1:
        """A queued (delayed, waiting) job is cancelled now; a running one gets ``cancel_requested`` and its
        worker is told on its next heartbeat (the job is cancelled when the worker reports, or when its
        lease ends: never queued again). 409 JOB_FINISHED for a finished job."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        reason = reason_arg(correlation_id, reason)
        keep_ms = self._options.get('finished_ttl')

        def cancel(job: Optional[JobV1]) -> JobV1:
            job = outcomes.require(correlation_id, job_id, job)
            if job.is_finished:
                raise ConflictException(correlation_id, 'JOB_FINISHED', f'Job {job_id} is already {job.status}') \
                    .with_details('job_id', job_id).with_details('status', job.status)
            return rules.request_cancel(job, clock.now(), reason, keep_ms)
        job = self._persistence.modify(correlation_id, job_id, cancel)
        if job.status == JobStatusV1.Cancelled:
            self._events.jobs_finished([job])
        return job

    def cancel_jobs(self, correlation_id: Optional[str], job_ids: List[str], reason: str) -> List[JobV1]:
        """cancel_job for each of ``job_ids`` that is not finished (a batch's), in one write."""
        now, keep_ms = clock.now(), self._options.get('finished_ttl')

        def cancel(job: Optional[JobV1]) -> Optional[JobV1]:
            if job is None or job.is_finished:
                return None
            return rules.request_cancel(job, now, reason, keep_ms)
        changed = [job for job in self._persistence.modify_many(correlation_id, job_ids, cancel) if job is not None]
        cancelled = [job for job in changed if job.status == JobStatusV1.Cancelled]
        if cancelled:
            self._events.jobs_finished(cancelled)
        return changed

    def cancel_requested(self, correlation_id: Optional[str], worker: dict) -> List[str]:
        """Those of a worker's jobs in hand (``worker['running']``) whose cancel was requested. A busy worker
        names itself on many calls a second: its jobs are read at most twice per heartbeat, so a cancel
        reaches it within one and a half heartbeats at no cost per call."""
        job_ids = worker.get('running')
        if not isinstance(job_ids, list) or not job_ids:
            return []
        heartbeat = worker.get('heartbeat_ms')
        interval = (heartbeat if isinstance(heartbeat, (int, float)) and heartbeat > 0 else 1000) / 2000.0
        now, worker_id = time.monotonic(), worker.get('id')
        if now - self._checked_at.get(worker_id, -interval) < interval:
            return []
        if len(self._checked_at) >= MAX_WATCHED:
            self._checked_at.clear()
        self._checked_at[worker_id] = now
        return sorted(self._persistence.get_cancel_requested_ids(correlation_id, job_ids))

    def set_job_progress(self, correlation_id: Optional[str], job_id: Any, lease_token: Any, progress: Any,
                         message: Any = None) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        token = lease_token_arg(correlation_id, lease_token)
        value = outcomes.check_progress(correlation_id, progress, message)
        return self._persistence.modify(correlation_id, job_id, lambda job: outcomes.progress(
            correlation_id, job_id, job, token, value))

    def add_job_log(self, correlation_id: Optional[str], job_id: Any, lease_token: Any, lines: Any) -> dict:
        """Lines of a running job's log, fenced by its lease."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        token = lease_token_arg(correlation_id, lease_token)
        outcomes.require_running(correlation_id, job_id, self._persistence.get_one_by_id(correlation_id, job_id),
                                 token)
        return {'count': self._features.logs.append(correlation_id, {job_id: lines}).get(job_id, 0)}

    def append_logs(self, correlation_id: Optional[str], lines_by_job: Dict[str, Any]) -> Dict[str, int]:
        """Lines of jobs whose leases were checked already (report_jobs)."""
        return self._features.logs.append(correlation_id, lines_by_job) if lines_by_job else {}

    def get_job_log(self, correlation_id: Optional[str], job_id: Any, skip: Any = None, take: Any = None) -> dict:
        job_id = require_text(correlation_id, 'job_id', job_id)
        outcomes.require(correlation_id, job_id, self._persistence.get_one_by_id(correlation_id, job_id))
        return self._features.logs.get_log(correlation_id, job_id, skip, take)

    def jobs_removed(self, correlation_id: Optional[str], job_ids: Optional[List[str]]) -> None:
        """Jobs were deleted (None: every job): their logs go too."""
        logs = self._features.logs
        if job_ids is None:
            logs.clear(correlation_id)
        elif job_ids:
            logs.remove(correlation_id, job_ids)

    def sweep_logs(self, correlation_id: Optional[str]) -> None:
        """The cleaner's tick: logs whose job is gone (expired, or deleted by another process) go."""
        self._features.logs.sweep(correlation_id, lambda ids: {
            job.id for job in self._persistence.get_list_by_ids(correlation_id, ids)})

    def worker_seen(self, correlation_id: Optional[str], worker: Any) -> str:
        """A worker's call named it: the registry sees it now; its id."""
        return self._features.workers.seen(correlation_id, worker)

    def get_workers(self, correlation_id: Optional[str]) -> list:
        return self._features.workers.get_workers(correlation_id)
