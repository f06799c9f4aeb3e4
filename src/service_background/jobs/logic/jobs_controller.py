"""The jobs controller: the public API of the jobs domain (commands, the direct client and the services
call it), made of named parts that share its persistence, options and events."""
from functools import partial
from typing import Any, Callable, List, Optional

from pip_services3_commons.commands import CommandSet
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, NotFoundException
from pip_services3_commons.refer import IReferences

from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.data import clock
from service_background.common.data.validation import require_text
from service_background.common.logic.controller_base import ControllerBase
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1.job_transitions import with_attempts
from service_background.jobs.logic import job_outcomes as outcomes
from service_background.jobs.logic.job_dependencies import parent_state
from service_background.jobs.logic.job_events import JobEvents
from service_background.jobs.logic.job_reports import JobReports, lease_timeout
from service_background.jobs.logic.job_taking import MAX_BATCH, JobTaking
from service_background.jobs.logic.job_uniqueness import store_by_ref_id, store_jobs
from service_background.jobs.logic.jobs_bulk import JobsBulk
from service_background.jobs.logic.jobs_command_set import JobsCommandSet
from service_background.jobs.logic.jobs_features import JobsFeatures
from service_background.jobs.logic.jobs_long_polls import JobsLongPolls
from service_background.jobs.logic.jobs_maintenance import JobLeaseRescuer, JobsCleaner
from service_background.jobs.logic.jobs_options import DEFAULTS, JobsOptions
from service_background.jobs.logic.lease_checks import lease_token_arg, worker_id_arg
from service_background.jobs.logic.new_job_rules import to_job
from service_background.jobs.logic.running_jobs import RunningJobs


class JobsController(ControllerBase):
    """One job store behind both faces (the commands and the queue API). Its options and their defaults
    are in jobs_options.py; its optional features (queue pauses, queue limits, batches, job logs, live workers,
    the metrics' jobs tracker) are found by descriptor in set_references (jobs_features.py)."""

    _default_config = DEFAULTS

    def __init__(self):
        super().__init__()
        self._options = JobsOptions(self._default_config)
        self._features = JobsFeatures()
        self._long_polls = JobsLongPolls(self, self._logger)  # async waiters of queues and results
        self._events: Optional[JobEvents] = None
        self._taking: Optional[JobTaking] = None
        self._bulk: Optional[JobsBulk] = None
        self._reports: Optional[JobReports] = None
        self._rescuer: Optional[JobLeaseRescuer] = None
        self._cleaner: Optional[JobsCleaner] = None
        self._running: Optional[RunningJobs] = None
        self._parts_persistence = None  # the store the parts were made for

    def _configure_options(self, config: ConfigParams):
        self._options.configure(config)

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._features.resolve(references)
        if self._events is None or self._parts_persistence is not self._persistence:
            self._make_parts()

    def _make_parts(self):
        self._parts_persistence = persistence = self._persistence
        options, features = self._options, self._features
        self._events = events = JobEvents(persistence, options, features, self._long_polls, self._logger)
        self._taking = JobTaking(persistence, options, features, self._fail_expired)
        self._bulk = JobsBulk(persistence, options, events)
        self._running = running = RunningJobs(persistence, options, features, events)
        self._reports = JobReports(persistence, options, features, events, self._taking.start_jobs_by_type, running)
        self._rescuer = JobLeaseRescuer(persistence, options, events)
        self._cleaner = JobsCleaner(persistence, features, events, self._logger, running.sweep_logs)

    # --- the features and the parts others use ------------------------------------------------
    @property
    def pauses(self):
        """QueuePauses, or its null object (null_features.py)."""
        return self._features.pauses

    @property
    def limits(self):
        """QueueLimits, or its null object."""
        return self._features.limits

    @property
    def batches(self):
        """JobBatches, or its null object."""
        return self._features.batches

    @property
    def metrics(self):
        """The metrics' JobsTracker, or its null object."""
        return self._features.metrics

    @property
    def retry(self):
        """The retry policy of the configured backoff defaults."""
        return self._options.retry

    @property
    def callbacks(self):
        """The callback sender (while open)."""
        return self._events.callbacks if self._events is not None else None

    def _create_command_set(self) -> CommandSet:
        return JobsCommandSet(self)

    def _create_timers(self) -> List[IntervalTimer]:
        option = self._options.get
        return [
            IntervalTimer('jobs-cleaner', lambda: self.clean_jobs(None), option('clean_interval'), self._logger),
            IntervalTimer('jobs-leases', self._on_lease_tick, option('lease_interval'), self._logger)]

    def _on_lease_tick(self):
        self.release_expired_leases(None)
        self._long_polls.notify_due(None)

    def open(self, correlation_id: Optional[str]):
        if self.is_open():
            return
        self._events.open()
        self._long_polls.open(self._persistence, self._options.get('signal_interval'))
        super().open(correlation_id)

    def close(self, correlation_id: Optional[str]):
        if self._events is not None:
            self._events.close_signals()
        self._long_polls.close()
        super().close(correlation_id)
        if self._events is not None:
            self._events.stop_callbacks()

    # --- adding -------------------------------------------------------------------------------
    def add_job(self, correlation_id: Optional[str], new_job: Any) -> JobV1:
        """``new_job.unique`` (job_uniqueness.py): a held key returns its holder, nothing is added; so
        does a known ``new_job.idempotency_key`` (a retry after a 503 answers the first job)."""
        return self.add_jobs_of_batch(correlation_id, [new_job])[0]

    def add_jobs(self, correlation_id: Optional[str], new_jobs: Any) -> List[JobV1]:
        if not isinstance(new_jobs, list) or not new_jobs or len(new_jobs) > MAX_BATCH:
            raise BadRequestException(correlation_id, 'BAD_NEW_JOBS', f'new_jobs must be a list of 1..{MAX_BATCH} jobs')
        return self.add_jobs_of_batch(correlation_id, new_jobs)

    def add_jobs_of_batch(self, correlation_id: Optional[str], new_jobs: List[Any], batch_id: Optional[str] = None,
                          shape: Optional[Callable[[List[JobV1]], List[JobV1]]] = None) -> List[JobV1]:
        """Adds checked jobs (of the batch ``batch_id`` when given); ``shape`` changes them last (a workflow)."""
        now = clock.now()
        max_retries = self._options.get('max_retries')
        jobs = [to_job(correlation_id, new_job, now, max_retries, batch_id) for new_job in new_jobs]
        if shape is not None:
            jobs = shape(jobs)
        result, added = store_jobs(self._persistence, correlation_id, jobs, now)  # one write when none is unique
        self._features.tracing.enqueued(added)
        self._events.jobs_enqueued(added)
        known = {job.id: parent_state(job.id, job) for job in added if job} if shape else None  # stored with them
        self._events.dependencies.on_added(correlation_id, added, known)  # children whose parents are done or gone
        return result

    def add_uniq_job(self, correlation_id: Optional[str], new_job: Any) -> JobV1:
        """The unfinished job of the same type and ref_id, else a new one: ``unique {until: finished}``
        on type + ref_id (an explicit ``new_job.unique`` wins)."""
        job = to_job(correlation_id, new_job, clock.now(), self._options.get('max_retries'))
        if job.ref_id is None and job.unique_key is None:
            return self.add_job(correlation_id, new_job)
        result = store_by_ref_id(self._persistence, correlation_id, job, clock.now())
        if result.id == job.id:
            self._features.tracing.enqueued([result])
            self._events.jobs_enqueued([result])
        return result

    # --- reading ------------------------------------------------------------------------------
    def get_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                 paging: Optional[PagingParams]) -> DataPage:
        page = self._persistence.get_page_by_filter(correlation_id, filter, paging)
        page.data = [with_attempts(job) for job in page.data]
        return page

    def get_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        job = self._persistence.get_one_by_id(correlation_id, job_id)
        if job is not None and job.remove_at is not None and job.remove_at <= clock.now():
            self._persistence.delete_by_id(correlation_id, job_id)  # past its result TTL: the cleaner is late
            job = None
        if job is None:
            raise NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'Job {job_id} was not found') \
                .with_details('job_id', job_id)
        return with_attempts(job)

    def unfinished_jobs(self) -> List[JobV1]:
        """Every queued or running job, read once (the metrics' start)."""
        return self._persistence.unfinished_jobs()

    def wait_job_result(self, correlation_id: Optional[str], job_id: str, wait_ms: float) -> JobV1:
        """The job once it is finished, or as it is when ``wait_ms`` ran out."""
        def finished():
            job = self.get_job_by_id(correlation_id, job_id)
            return job if job.is_finished else None
        job = self._events.finished.wait_for(finished, self._wait_seconds(wait_ms), self._recheck_seconds())
        return job or self.get_job_by_id(correlation_id, job_id)

    def _wait_seconds(self, wait_ms: Optional[float]) -> float:
        return min(wait_ms or 0, self._options.get('max_wait')) / 1000.0

    def _recheck_seconds(self) -> float:
        return self._options.get('lease_interval') / 1000.0

    # --- taking (job_taking.py) ---------------------------------------------------------------
    def start_job_by_id(self, correlation_id: Optional[str], job_id: str, timeout: Any = None,
                        worker_id: Any = None) -> JobV1:
        return self._taking.start_job_by_id(correlation_id, job_id, lease_timeout(correlation_id, timeout),
                                            worker_id_arg(correlation_id, worker_id))

    def start_job_by_type(self, correlation_id: Optional[str], type: Optional[str],
                          timeout: Any = None, worker_id: Any = None) -> Optional[JobV1]:
        jobs = self.start_jobs_by_type(correlation_id, require_text(correlation_id, 'type', type), timeout, 1,
                                       worker_id)
        return jobs[0] if jobs else None

    def start_jobs_by_type(self, correlation_id: Optional[str], type: Optional[str], timeout: Any = None,
                           limit: Any = 1, worker_id: Any = None) -> List[JobV1]:
        """Takes up to ``limit`` jobs (any type when ``type`` is None) for the worker ``worker_id`` (stamped on
        them); jobs found past execute_until on the way fail as expired instead of being handed out."""
        return self._taking.start_jobs_by_type(correlation_id, type, lease_timeout(correlation_id, timeout), limit,
                                               worker_id_arg(correlation_id, worker_id))

    def _fail_expired(self, correlation_id: Optional[str], job_id: str):
        self._finish(correlation_id, job_id, JobStatusV1.Failed, None, 'expired before it was started')

    def want_job(self, correlation_id: Optional[str], type: Optional[str], block_for_ms: Optional[float],
                 timeout: Any = None) -> Optional[JobV1]:
        """The queue API's take: waits up to ``block_for_ms`` for a job to arrive."""
        if type is not None:
            type = require_text(correlation_id, 'queue', type)
        timeout = lease_timeout(correlation_id, timeout)
        jobs = self._events.enqueued.wait_for(
            lambda: self.start_jobs_by_type(correlation_id, type, timeout, 1) or None,
            self._wait_seconds(block_for_ms), self._recheck_seconds())
        return jobs[0] if jobs else None

    # --- async long-polls (the ASGI services await these) ------------------------------------------
    async def want_job_async(self, correlation_id: Optional[str], type: Optional[str],
                             block_for_ms: Optional[float], timeout: Any = None,
                             worker_id: Any = None) -> Optional[JobV1]:
        """``want_job`` without a thread: waits on the queue's waiters (``type`` None: any queue) up to
        ``block_for_ms`` (capped by options.max_wait). Takes run inline on memory, in the pool otherwise."""
        if type is not None:
            type = require_text(correlation_id, 'queue', type)
        timeout = lease_timeout(correlation_id, timeout)
        worker_id = worker_id_arg(correlation_id, worker_id)
        return await self._long_polls.want(correlation_id, type, self._wait_seconds(block_for_ms),
                                           partial(self.start_jobs_by_type, correlation_id, type, timeout, 1,
                                                   worker_id))

    async def wait_job_result_async(self, correlation_id: Optional[str], job_id: str, wait_ms: float) -> JobV1:
        """``wait_job_result`` without a thread: the job once it is finished, or as it is when ``wait_ms``
        (capped by options.max_wait) ran out; NotFoundException for an unknown id."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        return await self._long_polls.wait_result(job_id, self._wait_seconds(wait_ms),
                                                  lambda: self.get_job_by_id(correlation_id, job_id),
                                                  self._recheck_seconds())

    def long_poll_waiters(self) -> int:
        """Async want_job long-polls waiting now."""
        return len(self._long_polls.job_waiters)

    # --- what the features call ----------------------------------------------------------------
    def notify_enqueued(self, jobs: List[Optional[JobV1]]):
        """Jobs became takeable: the metrics see them and their queues' waiters take."""
        self._events.jobs_enqueued(jobs)

    def wake_waiters(self, type: str, count: int):
        """Up to ``count`` waiters of the queue (and of any queue) try a take again (a pause or limit changed)."""
        self._events.wake(type, count)

    def send_callback(self, callback: Any):
        """POSTs ``callback.to_json()`` to ``callback.callback_url`` through the durable sender."""
        self._events.callbacks.send(callback)

    def requeue_job(self, correlation_id: Optional[str], job_id: str, reset_attempts: bool = True) -> Optional[JobV1]:
        """A running job given back now (abort_job); any other queued again now by the one requeue rule
        (job_backoff.requeue), its attempts reset when ``reset_attempts`` or none are left."""
        job = self.get_job_by_id(correlation_id, job_id)
        if job.status == JobStatusV1.Running:
            return self.abort_job(correlation_id, job_id)
        return self._bulk.requeue(correlation_id, job.id, reset_attempts)

    # --- steering and watching running jobs (running_jobs.py) ------------------------------------------
    def cancel_job(self, correlation_id: Optional[str], job_id: Any, reason: Any = None) -> JobV1:
        """Queued: cancelled now; running: asked to stop (its worker reports ``cancel``, or its lease ends)."""
        return self._running.cancel_job(correlation_id, job_id, reason)

    def cancel_jobs(self, correlation_id: Optional[str], job_ids: List[str], reason: str) -> List[JobV1]:
        """cancel_job for each unfinished job of ``job_ids`` (a canceled batch's)."""
        return self._running.cancel_jobs(correlation_id, job_ids, reason)

    def set_job_progress(self, correlation_id: Optional[str], job_id: Any, progress: Any, message: Any = None,
                         lease_token: Any = None) -> JobV1:
        return self._running.set_job_progress(correlation_id, job_id, lease_token, progress, message)

    def add_job_log(self, correlation_id: Optional[str], job_id: Any, lines: Any, lease_token: Any = None) -> dict:
        return self._running.add_job_log(correlation_id, job_id, lease_token, lines)

    def get_job_log(self, correlation_id: Optional[str], job_id: Any, skip: Any = None, take: Any = None) -> dict:
        return self._running.get_job_log(correlation_id, job_id, skip, take)

    def get_workers(self, correlation_id: Optional[str]) -> list:
        """The live workers: those seen within three of their heartbeats."""
        return self._running.get_workers(correlation_id)

    # --- working on a taken job (job_outcomes.py: the changes report_jobs applies too) ----------
    def extend_job(self, correlation_id: Optional[str], job_id: str, timeout: Any = None,
                   lease_token: Any = None) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        timeout = lease_timeout(correlation_id, timeout)
        lease_token = lease_token_arg(correlation_id, lease_token)
        default_timeout = self._options.get('default_timeout')
        job = self._persistence.modify(correlation_id, job_id, lambda job: outcomes.extend(
            correlation_id, job_id, job, lease_token, clock.now(), timeout, default_timeout))
        self.limits.job_extended(job)  # a limited type's slot lasts as long as the lease
        return job

    def abort_job(self, correlation_id: Optional[str], job_id: str, lease_token: Any = None) -> JobV1:
        """Gives a running job back to the queue at once (a job out of attempts fails instead)."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        lease_token = lease_token_arg(correlation_id, lease_token)
        keep_ms = self._options.get('finished_ttl')
        job = self._persistence.modify(correlation_id, job_id, lambda job: outcomes.abort(
            correlation_id, job_id, job, lease_token, clock.now(), keep_ms))
        self._events.released(job)
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
        """The queue API's PUT: status done or failed, with the result (fenced when a lease_token is given)."""
        if status not in (JobStatusV1.Done, JobStatusV1.Failed):
            raise BadRequestException(correlation_id, 'BAD_STATUS', 'status must be "done" or "failed"')
        error = None if status == JobStatusV1.Done else 'failed by the worker'
        return self._finish(correlation_id, job_id, status, result, error, lease_token, True)

    def _finish(self, correlation_id: Optional[str], job_id: str, status: str, result: Any,
                error: Optional[str], lease_token: Any = None, retry: bool = False) -> JobV1:
        job_id = require_text(correlation_id, 'job_id', job_id)
        lease_token = lease_token_arg(correlation_id, lease_token)
        keep_ms, policy = self._options.get('finished_ttl'), self._options.retry if retry else None
        job = self._persistence.modify(correlation_id, job_id, lambda job: outcomes.finish(
            correlation_id, job_id, job, lease_token, clock.now(), status, result, error, keep_ms, policy))
        self._events.released(job)
        return job

    # --- many jobs (jobs_bulk.py, job_reports.py) ------------------------------------------------
    def complete_jobs(self, correlation_id: Optional[str], job_ids: Any, results: Any = None,
                      lease_tokens: Any = None) -> List[Optional[JobV1]]:
        return self._bulk.complete_jobs(correlation_id, job_ids, results, lease_tokens)

    def retry_jobs(self, correlation_id: Optional[str], filter: Optional[FilterParams]) -> int:
        return self._bulk.retry_jobs(correlation_id, filter)

    def report_jobs(self, correlation_id: Optional[str], reports: Any, take: Any = None, quiet: Any = False,
                    worker: Any = None) -> dict:
        return self._reports.report_jobs(correlation_id, reports, take, quiet, worker)

    # --- deleting and maintenance (jobs_maintenance.py) -----------------------------------------
    def delete_job_by_id(self, correlation_id: Optional[str], job_id: str) -> JobV1:
        """Returns the deleted job; one deleted before it finished is returned as ``aborted``."""
        job_id = require_text(correlation_id, 'job_id', job_id)
        job = outcomes.require(correlation_id, job_id, self._persistence.delete_by_id(correlation_id, job_id))
        self.metrics.job_deleted(job)
        self._running.jobs_removed(correlation_id, [job_id])
        self.limits.job_left(job if job.status == JobStatusV1.Running else None)
        self._events.dependencies.on_deleted(correlation_id, job)
        if not job.is_finished:
            job.status = JobStatusV1.Aborted
            self.batches.job_finished(correlation_id, job)
        self._events.jobs_gone(job_id)
        return job

    def delete_jobs(self, correlation_id: Optional[str]) -> None:
        self._persistence.delete_all(correlation_id)
        self._running.jobs_removed(correlation_id, None)
        self.metrics.jobs_cleared()
        self._events.jobs_gone()

    def release_expired_leases(self, correlation_id: Optional[str]) -> int:
        """Puts jobs whose lease ran out back in the queue after their backoff, or fails them past max_retries."""
        return self._rescuer.release_expired_leases(correlation_id)

    def clean_jobs(self, correlation_id: Optional[str]) -> None:
        self._cleaner.clean_jobs(correlation_id)
