from datetime import datetime
from functools import partial
from typing import Any, List, Optional

from pip_services3_commons.commands import CommandSet
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException

from service_background.common.data import clock
from service_background.common.logic.controller_base import ControllerBase
from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.data.validation import optional_non_negative, require_text
from service_background.common.concurrency.wait_signal import WaitSignal
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.persistence import IJobsPersistence
from service_background.jobs.persistence import job_transitions as rules
from service_background.jobs.logic.callback_outbox import OutboxCallbackSender
from service_background.jobs.logic.callback_sender import CallbackSender
from service_background.jobs.logic.jobs_command_set import JobsCommandSet
from service_background.jobs.logic.jobs_long_polls import JobsLongPolls
from service_background.jobs.logic.jobs_bulk import JobsBulk
from service_background.jobs.logic.job_reports import JobReports
from service_background.jobs.logic import job_outcomes as outcomes
from service_background.jobs.logic.jobs_maintenance import JobsMaintenance
from service_background.jobs.logic.lease_checks import lease_token_arg
from service_background.jobs.logic.jobs_hooks import NO_METRICS, NO_PAUSES
from service_background.jobs.logic.job_backoff import RetryPolicy
from service_background.jobs.logic.queue_limits import NO_LIMITS
from service_background.jobs.logic.job_batches import NO_BATCHES
from service_background.jobs.logic.job_dependencies import JobDependencies
from service_background.jobs.logic.job_uniqueness import store_jobs, store_uniq
from service_background.jobs.logic.new_job_rules import to_job

MAX_BATCH = 1000


class JobsController(JobsBulk, JobReports, JobsMaintenance, ControllerBase):
    """One job store behind both faces (commands and seed 002's queue).

    Configuration (all ms): options.clean_interval (cleaner period, default 60000; 0 = off),
    options.lease_interval (lease expiry sweep, waking long-polls of delayed jobs that fell due, and
    the result long-polls' re-check for finishes by other processes, default 1000), options.default_timeout (lease when neither the take nor the job names
    one, default 300000), options.max_retries (default 10), options.finished_ttl (how long a finished
    job without result_ttl is kept, default 86400000; 0 = forever), options.max_wait (cap on a
    long-poll, default 300000), options.signal_interval (how often one poller per process reads the
    MongoDB queue signal while async waiters wait, default 25), options.callback_retries (5), options.callback_backoff (1000),
    options.callback_max_backoff (60000), options.callback_timeout (10000), options.callback_outbox_size
    (pending callbacks kept in the persistence's durable outbox, default 10000: past it the oldest are
    dropped and counted in the log), options.backoff_base (1000), options.backoff_max (3600000),
    options.backoff_jitter (0.5): the retry backoff of a job that names none (job_backoff.py)."""

    _default_config = ConfigParams.from_tuples(
        'dependencies.persistence', 'service-background-jobs:persistence:*:*:1.0',
        'options.clean_interval', 60000,
        'options.lease_interval', 1000,
        'options.default_timeout', 300000,
        'options.max_retries', 10,
        'options.finished_ttl', 86400000,
        'options.max_wait', 300000,
        'options.signal_interval', 25,
        'options.callback_retries', 5,
        'options.callback_backoff', 1000,
        'options.callback_max_backoff', 60000,
        'options.callback_timeout', 10000,
        'options.callback_outbox_size', 10000,
        'options.backoff_base', 1000,
        'options.backoff_max', 3600000,
        'options.backoff_jitter', 0.5)

    pauses, metrics = NO_PAUSES, NO_METRICS  # QueuePauses / the metrics' JobsTracker set themselves here
    limits, batches = NO_LIMITS, NO_BATCHES  # QueueLimits / JobBatches set themselves here
    retry = RetryPolicy(1000, 3600000, 0.5, 86400000)  # configure() replaces it with the configured one

    def __init__(self):
        super().__init__()
        self._persistence: Optional[IJobsPersistence] = None
        self._config = self._default_config
        self._options = {}
        self._enqueued = WaitSignal()  # a job became takeable
        self._finished = WaitSignal()  # a job finished or was deleted
        self._long_polls = JobsLongPolls(self, self._logger)  # async waiters of queues and results
        self._callbacks: Optional[CallbackSender] = None
        self._deps = JobDependencies(self)  # depends_on (job_dependencies.py)

    def _configure_options(self, config: ConfigParams):
        self._config = config
        self._options = {}
        self.retry = RetryPolicy(self._option('backoff_base'), self._option('backoff_max'),
                                 config.get_as_float('options.backoff_jitter'), self._option('finished_ttl'))

    def _option(self, name: str) -> int:
        value = self._options.get(name)
        if value is None:
            value = self._options[name] = self._config.get_as_long('options.' + name)
        return value

    def _create_command_set(self) -> CommandSet:
        return JobsCommandSet(self)

    def _create_timers(self) -> List[IntervalTimer]:
        return [
            IntervalTimer('jobs-cleaner', lambda: self.clean_jobs(None), self._option('clean_interval'), self._logger),
            IntervalTimer('jobs-leases', self._on_lease_tick, self._option('lease_interval'), self._logger)]

    def _on_lease_tick(self):
        self.release_expired_leases(None)
        self._long_polls.notify_due(None)

    def open(self, correlation_id: Optional[str]):
        if self.is_open():
            return
        self._enqueued.open()
        self._finished.open()
        self._long_polls.open(self._persistence, self._option('signal_interval'))
        settings = (self._option('callback_retries'), self._option('callback_backoff'),
                    self._option('callback_max_backoff'), self._option('callback_timeout'))
        outbox = getattr(self._persistence, 'callback_outbox_store', None)  # durable and bounded
        self._callbacks = CallbackSender(*settings, logger=self._logger) if outbox is None else \
            OutboxCallbackSender(outbox(), self._option('callback_outbox_size'), *settings, logger=self._logger)
        self._callbacks.start()
        super().open(correlation_id)

    def close(self, correlation_id: Optional[str]):
        self._enqueued.close()
        self._finished.close()
        self._long_polls.close()
        super().close(correlation_id)
        if self._callbacks is not None:
            self._callbacks.stop()

    # --- adding -------------------------------------------------------------------------------
    def add_job(self, correlation_id: Optional[str], new_job: Any) -> JobV1:
        """``new_job.unique`` (job_uniqueness.py): a held key returns its holder, nothing is added; so
        does a known ``new_job.idempotency_key`` (a retry after a 503 answers the first job)."""
        return self._add(correlation_id, [new_job])[0]

    def add_jobs(self, correlation_id: Optional[str], new_jobs: Any) -> List[JobV1]:
        if not isinstance(new_jobs, list) or not new_jobs or len(new_jobs) > MAX_BATCH:
            raise BadRequestException(correlation_id, 'BAD_NEW_JOBS', f'new_jobs must be a list of 1..{MAX_BATCH} jobs')
        return self._add(correlation_id, new_jobs)

    def _add(self, correlation_id: Optional[str], new_jobs: List[Any], batch_id: Optional[str] = None) -> List[JobV1]:
        now = clock.now()
        jobs = [to_job(correlation_id, new_job, now, self._option('max_retries'), batch_id) for new_job in new_jobs]
        result, added = store_jobs(self._persistence, correlation_id, jobs, now)  # one write when none is unique
        self._notify_enqueued(added)
        self._deps.on_added(correlation_id, added)  # children whose parents are already done or gone
        return result

    def add_uniq_job(self, correlation_id: Optional[str], new_job: Any) -> JobV1:
        """Seed 001: the unfinished job of the same type and ref_id, else a new one: ``unique {until:
        finished}`` on type + ref_id (an explicit ``new_job.unique`` wins)."""
        job = to_job(correlation_id, new_job, clock.now(), self._option('max_retries'))
        if job.ref_id is None and job.unique_key is None:
            return self.add_job(correlation_id, new_job)
        result = store_uniq(self._persistence, correlation_id, job, clock.now())
        if result.id == job.id:
            self._notify_enqueued([result])
        return result

    # --- reading ------------------------------------------------------------------------------
    def get_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                 paging: Optional[PagingParams]) -> DataPage:
        return self._persistence.get_page_by_filter(correlation_id, filter, paging)

    def get_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        job = self._persistence.get_one_by_id(correlation_id, job_id)
        if job is not None and job.remove_at is not None and job.remove_at <= clock.now():
            self._persistence.delete_by_id(correlation_id, job_id)  # past its result TTL: the cleaner is late
            job = None
        if job is None:
            raise NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'Job {job_id} was not found') \
                .with_details('job_id', job_id)
        return job

    def wait_job_result(self, correlation_id: Optional[str], job_id: str, wait_ms: float) -> JobV1:
        """The job once it is finished, or as it is when ``wait_ms`` ran out."""
        def finished():
            job = self.get_job_by_id(correlation_id, job_id)
            return job if job.is_finished else None
        job = self._finished.wait_for(finished, self._wait_seconds(wait_ms), self._option('lease_interval') / 1000.0)
        return job or self.get_job_by_id(correlation_id, job_id)

    def _wait_seconds(self, wait_ms: Optional[float]) -> float:
        return min(wait_ms or 0, self._option('max_wait')) / 1000.0

    # --- taking -------------------------------------------------------------------------------
    def _timeout(self, correlation_id: Optional[str], timeout: Any) -> Optional[float]:
        return optional_non_negative(correlation_id, 'timeout', timeout, None) or None

    def start_job_by_id(self, correlation_id: Optional[str], job_id: str, timeout: Any = None) -> JobV1:
        timeout = self._timeout(correlation_id, timeout)
        now = clock.now()

        def start(job: Optional[JobV1]) -> JobV1:
            job = self._require(correlation_id, job_id, job)
            if job.status != JobStatusV1.Queued:
                raise ConflictException(correlation_id, 'JOB_NOT_QUEUED', f'Job {job_id} is {job.status}, not queued')
            return rules.claim(job, now, timeout or job.timeout or self._option('default_timeout'))
        return self.metrics.jobs_changed([self._persistence.modify(
            correlation_id, require_text(correlation_id, 'job_id', job_id), start)])[0]

    def start_job_by_type(self, correlation_id: Optional[str], type: Optional[str],
                          timeout: Any = None) -> Optional[JobV1]:
        jobs = self.start_jobs_by_type(correlation_id, require_text(correlation_id, 'type', type), timeout, 1)
        return jobs[0] if jobs else None

    def start_jobs_by_type(self, correlation_id: Optional[str], type: Optional[str], timeout: Any = None,
                           limit: Any = 1) -> List[JobV1]:
        """Takes up to ``limit`` jobs (any type when ``type`` is None); jobs found past execute_until
        on the way fail as expired instead of being handed out."""
        timeout = self._timeout(correlation_id, timeout)
        limit = optional_non_negative(correlation_id, 'limit', limit, 1)
        if limit != int(limit) or not 1 <= limit <= MAX_BATCH:
            raise BadRequestException(correlation_id, 'BAD_LIMIT', f'limit must be an integer 1..{MAX_BATCH}')
        result = []
        with self._persistence.batch():  # file: one journal group and one fsync for the whole take
            while len(result) < limit:
                now = clock.now()
                jobs = self._take(correlation_id, type, now, timeout, limit - len(result))
                if not jobs:
                    break
                for job in jobs:
                    if job.execute_until is not None and job.execute_until <= now:
                        self._finish(correlation_id, job.id, JobStatusV1.Failed, None, 'expired before it was started')
                    else:
                        result.append(job)
        return self.metrics.jobs_changed(result)

    def _take(self, correlation_id: Optional[str], type: Optional[str], now: datetime, timeout: float,
              limit: int) -> List[JobV1]:
        default_timeout = self._option('default_timeout')
        if type is not None and not self.limits.limits(type) and not self.pauses.is_paused(type):
            return self._persistence.take_many(correlation_id, type, now, timeout, default_timeout, limit)
        job = self.limits.take(self.pauses, self._persistence, correlation_id, type, now, timeout,
                               default_timeout)  # limits, then pauses, then the store
        return [job] if job is not None else []

    def want_job(self, correlation_id: Optional[str], type: Optional[str], block_for_ms: Optional[float],
                 timeout: Any = None) -> Optional[JobV1]:
        """Seed 002's take: waits up to ``block_for_ms`` for a job to arrive."""
        if type is not None:
            type = require_text(correlation_id, 'queue', type)
        timeout = self._timeout(correlation_id, timeout)
        jobs = self._enqueued.wait_for(lambda: self.start_jobs_by_type(correlation_id, type, timeout, 1) or None,
                                       self._wait_seconds(block_for_ms), self._option('lease_interval') / 1000.0)
        return jobs[0] if jobs else None

    # --- async long-polls (the ASGI services await these) ------------------------------------------
    async def want_job_async(self, correlation_id: Optional[str], type: Optional[str],
                             block_for_ms: Optional[float], timeout: Any = None) -> Optional[JobV1]:
        """``want_job`` without a thread: waits on the queue's waiters (``type`` None: any queue) up to
        ``block_for_ms`` (capped by options.max_wait). Takes run inline on memory, in the pool otherwise."""
        if type is not None:
            type = require_text(correlation_id, 'queue', type)
        timeout = self._timeout(correlation_id, timeout)
        return await self._long_polls.want(correlation_id, type, self._wait_seconds(block_for_ms),
                                           partial(self.start_jobs_by_type, correlation_id, type, timeout, 1))

    async def wait_job_result_async(self, correlation_id: Optional[str], job_id: str, wait_ms: float) -> JobV1:
        """``wait_job_result`` without a thread: the job once it is finished, or as it is when ``wait_ms``
        (capped by options.max_wait) ran out; NotFoundException for an unknown id."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        return await self._long_polls.wait_result(job_id, self._wait_seconds(wait_ms),
                                                  lambda: self.get_job_by_id(correlation_id, job_id),
                                                  self._option('lease_interval') / 1000.0)

    # --- notifications --------------------------------------------------------------------------
    def _notify_enqueued(self, jobs: List[Optional[JobV1]]):
        self.metrics.jobs_changed(jobs)
        self._enqueued.notify()
        self._long_polls.notify_enqueued(jobs)

    def _notify_finished(self, job_id: Optional[str] = None):
        self._finished.notify()
        self._long_polls.notify_finished(job_id)

    # --- working on a taken job (job_outcomes.py: the changes report_jobs applies too) ----------
    _require = staticmethod(outcomes.require)

    def extend_job(self, correlation_id: Optional[str], job_id: str, timeout: Any = None,
                   lease_token: Any = None) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        timeout = self._timeout(correlation_id, timeout)
        lease_token = lease_token_arg(correlation_id, lease_token)
        job = self._persistence.modify(correlation_id, job_id, lambda job: outcomes.extend(
            correlation_id, job_id, job, lease_token, clock.now(), timeout, self._option('default_timeout')))
        self.limits.job_extended(job)  # a limited type's slot lasts as long as the lease
        return job

    def abort_job(self, correlation_id: Optional[str], job_id: str, lease_token: Any = None) -> JobV1:
        """Gives a running job back to the queue at once (a job out of attempts fails instead)."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        lease_token = lease_token_arg(correlation_id, lease_token)
        job = self._persistence.modify(correlation_id, job_id, lambda job: outcomes.abort(
            correlation_id, job_id, job, lease_token, clock.now(), self._option('finished_ttl')))
        self._after_release(job)
        return job

    def complete_job(self, correlation_id: Optional[str], job_id: str, result: Any = None,
                     lease_token: Any = None) -> JobV1:
        return self._finish(correlation_id, job_id, JobStatusV1.Done, result, None, lease_token)

    def fail_job(self, correlation_id: Optional[str], job_id: str, error: Any = None,
                 lease_token: Any = None) -> JobV1:
        if error is not None and not isinstance(error, str):
            raise BadRequestException(correlation_id, 'BAD_ERROR', 'error must be a string')
        return self._finish(correlation_id, job_id, JobStatusV1.Failed, None, error or 'failed', lease_token, True)

    def update_job(self, correlation_id: Optional[str], job_id: str, status: Any, result: Any = None,
                   lease_token: Any = None) -> JobV1:
        """Seed 002's PUT: status done or failed, with the result (fenced when a lease_token is given)."""
        if status not in (JobStatusV1.Done, JobStatusV1.Failed):
            raise BadRequestException(correlation_id, 'BAD_STATUS', 'status must be "done" or "failed"')
        error = None if status == JobStatusV1.Done else 'failed by the worker'
        return self._finish(correlation_id, job_id, status, result, error, lease_token, True)

    def _finish(self, correlation_id: Optional[str], job_id: str, status: str, result: Any,
                error: Optional[str], lease_token: Any = None, retry: bool = False) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        lease_token = lease_token_arg(correlation_id, lease_token)
        job = self._persistence.modify(correlation_id, job_id, lambda job: outcomes.finish(
            correlation_id, job_id, job, lease_token, clock.now(), status, result, error, self._option('finished_ttl'),
            self.retry if retry else None))
        self._after_release(job)
        return job

    def _after_finish_many(self, jobs: List[JobV1]):
        """What follows finished jobs; a batch (complete_jobs) pays the metrics and the wake-up once."""
        for job in jobs:
            self.limits.job_left(job)
            self._deps.on_finished(None, job)  # waiting children are released or failed
            self.batches.job_finished(None, job)  # the batch's last job: its callback
        self.metrics.jobs_changed(jobs)
        self._finished.notify()
        long_polls = self._long_polls
        for job in jobs:
            long_polls.notify_finished(job.id)
            if job.callback_url and job.status in (JobStatusV1.Done, JobStatusV1.Failed):
                self._callbacks.send(job)

    def _after_release(self, job: Optional[JobV1]):
        if job is None:
            return
        if job.is_finished:
            self._after_finish_many([job])
        else:
            self.limits.job_left(job)
            self._notify_enqueued([job])

    def _after_requeue(self, correlation_id: Optional[str], jobs: List[JobV1]):
        self._notify_enqueued(jobs)
        self._deps.on_added(correlation_id, jobs)

    # --- deleting and maintenance ------------------------------------------------------------
    def delete_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        """Returns the deleted job; one deleted before it finished is returned as ``aborted``."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        job = self._require(correlation_id, job_id, self._persistence.delete_by_id(correlation_id, job_id))
        self.metrics.job_deleted(job)
        self.limits.job_left(job if job.status == JobStatusV1.Running else None)
        self._deps.on_deleted(correlation_id, job)
        if not job.is_finished:
            job.status = JobStatusV1.Aborted
            self.batches.job_finished(correlation_id, job)
        self._notify_finished(job_id)
        return job

    def delete_jobs(self, correlation_id: Optional[str]) -> None:
        self._persistence.delete_all(correlation_id)
        self.metrics.jobs_cleared()
        self._notify_finished()
