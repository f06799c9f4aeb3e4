"""The jobs controller's changes of many jobs: complete_jobs (River's batch completer), retry_jobs (the
bulk requeue Faktory and Sidekiq have in their UIs), a canceled batch's aborts, and the one-job requeue."""
from typing import Any, Dict, List, Optional

from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException

from service_background.common.data import clock
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.logic.job_backoff import REQUEUABLE, RETRYABLE, requeue
from service_background.jobs.logic.lease_checks import lease_tokens_arg

MAX_BATCH = 1000


class JobsBulk:
    """Part of the jobs controller: its persistence, options and events are shared."""

    def __init__(self, persistence, options, events):
        self._persistence = persistence
        self._options = options
        self._events = events

    def complete_jobs(self, correlation_id: Optional[str], job_ids: Any, results: Any = None,
                      lease_tokens: Any = None) -> List[Optional[JobV1]]:
        """Completes many jobs in one write (file: one journal group, one fsync; MongoDB: one
        bulk_write), as River's batch completer. ``results``, when given, is a list as long as
        ``job_ids`` (``results[i]`` is the result of ``job_ids[i]``).

        Returns a list as long as ``job_ids``: the completed job at each position, or None where the
        id was not completed because no such job exists or it is already finished (done, failed,
        aborted; an id repeated in the call is completed once, later copies give None). As
        complete_job, a queued or running job can be completed. Nothing raises per id, so one stale
        id never fails the batch.

        ``lease_tokens`` (fenced leases), when given, is a list as long as ``job_ids`` (null for an id
        sent without a fence) or a map id -> token: an id whose token is not its job's current one is
        not completed (None at its position), in the same atomic step as the write."""
        if not isinstance(job_ids, list) or not job_ids or len(job_ids) > MAX_BATCH:
            raise BadRequestException(correlation_id, 'BAD_JOB_IDS', f'job_ids must be a list of 1..{MAX_BATCH} ids')
        for job_id in job_ids:
            require_text(correlation_id, 'job_id', job_id)
        if results is not None and (not isinstance(results, list) or len(results) != len(job_ids)):
            raise BadRequestException(correlation_id, 'BAD_RESULTS', 'results must be a list as long as job_ids')
        tokens = lease_tokens_arg(correlation_id, job_ids, lease_tokens)
        now = clock.now()
        keep_ms = self._options.get('finished_ttl')
        by_id: Dict[str, Any] = {}
        if results is not None:
            for job_id, result in zip(job_ids, results):
                by_id.setdefault(job_id, result)

        def finish(job: Optional[JobV1]) -> Optional[JobV1]:
            if job is None or job.is_finished:
                return None
            token = tokens.get(job.id)
            if token is not None and job.lease_token != token:
                return None  # the lease was lost: leave the job to its current holder
            return rules.finish(job, now, JobStatusV1.Done, by_id.get(job.id), None, keep_ms)
        jobs = self._persistence.modify_many(correlation_id, job_ids, finish)
        self._events.jobs_finished([job for job in jobs if job is not None])
        return jobs

    def retry_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams]) -> int:
        """Requeues every dead job matching ``filter`` (get_jobs' filter; status failed unless it names
        ``aborted``): retries 0, due now, last_error kept. Returns how many were requeued."""
        filter = filter if filter is not None else FilterParams()
        statuses = (filter.get('status') or JobStatusV1.Failed,)
        if statuses[0] not in RETRYABLE:
            raise BadRequestException(correlation_id, 'BAD_STATUS', 'retry_jobs retries failed or aborted jobs')
        filter.put('status', statuses[0])
        count, now = 0, clock.now()
        while True:  # requeued jobs leave the filter's status: always the first page
            page = self._persistence.get_page_by_filter(correlation_id, filter, PagingParams(0, 100))
            jobs = [job for job in self._persistence.modify_many(
                correlation_id, [job.id for job in page.data], lambda job: requeue(job, now, statuses)) if job]
            self._events.jobs_requeued(correlation_id, jobs)
            count += len(jobs)
            if not jobs:
                return count

    def requeue(self, correlation_id: Optional[str], job_id: str, reset_attempts: bool) -> Optional[JobV1]:
        """A job that is not running queued again now (job_backoff.requeue, the one requeue rule)."""
        now = clock.now()
        job = self._persistence.modify(correlation_id, job_id,
                                       lambda job: requeue(job, now, REQUEUABLE, reset_attempts))
        if job is not None:
            self._events.jobs_requeued(correlation_id, [job])
        return job
