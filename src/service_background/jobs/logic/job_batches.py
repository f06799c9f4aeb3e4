"""Batches: ``add_batch {jobs, callback_url?, description?}`` adds the jobs (as
add_jobs, each with ``batch_id``) and returns the batch; ``get_batch {batch_id}`` gives it with
``counts`` by status and ``total``; ``cancel_batch {batch_id}`` aborts its queued jobs (running ones
finish as they will).

When the last job of a batch finishes (done, failed for good, aborted), the batch is marked
``completed`` in one atomic step (memory/file: under the store's lock; MongoDB: find_one_and_update
on ``done: false``), so exactly one process wins, and the winner POSTs the batch summary (the
``get_batch`` answer) to ``callback_url`` through the jobs' callback sender: durably queued in the
same outbox as job callbacks (file, MongoDB and PostgreSQL: it survives restarts), retried with backoff.
A job retried by backoff is unfinished, so the batch waits for it. A unique job of the batch whose
key is held returns its holder, which is not in the batch.

``JobBatches`` (``service-background-jobs:batches:default:default:1.0``) keeps batch records in its
persistence (``service-background-jobs:persistence-batches:*:*:1.0``: memory, file or MongoDB), reads
the jobs of a batch from the jobs persistence and adds, aborts and calls back through the jobs
controller, which finds it by that descriptor. Workflows (job_workflows.py) are batches of kind ``workflow``:
this component answers their commands too."""
import uuid
from typing import Any, Callable, List, Optional, Tuple

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, NotFoundException
from pip_services3_commons.refer import Descriptor, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable

from service_background.common.data import clock
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.logic.job_workflows import KIND as WORKFLOW
from service_background.jobs.logic.job_workflows import JobWorkflows

MAX_JOBS = 1000


class _BatchCallback:
    """What the callback sender POSTs: the batch summary."""

    def __init__(self, url: str, summary: dict):
        self.callback_url = url
        self._summary = summary

    def to_json(self) -> dict:
        return self._summary


class JobBatches(IConfigurable, IReferenceable, IOpenable):
    _persistence_descriptor = Descriptor('service-background-jobs', 'persistence-batches', '*', '*', '1.0')
    _jobs_persistence_descriptor = Descriptor('service-background-jobs', 'persistence', '*', '*', '1.0')
    _controller_descriptor = Descriptor('service-background-jobs', 'controller', '*', '*', '1.0')

    def __init__(self):
        self._persistence = None
        self._jobs_persistence = None
        self._controller = None
        self._workflows: Optional[JobWorkflows] = None
        self._opened = False

    def configure(self, config: ConfigParams):
        pass

    def set_references(self, references: IReferences):
        self._persistence = references.get_one_required(self._persistence_descriptor)
        self._jobs_persistence = references.get_one_required(self._jobs_persistence_descriptor)
        self._controller = references.get_one_optional(self._controller_descriptor)
        self._workflows = JobWorkflows(self, self._controller)

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        self._opened = True

    def close(self, correlation_id: Optional[str]):
        self._opened = False

    def add_batch(self, correlation_id: Optional[str], jobs: Any, callback_url: Any = None,
                  description: Any = None) -> dict:
        if not isinstance(jobs, list) or not jobs or len(jobs) > MAX_JOBS:
            raise BadRequestException(correlation_id, 'BAD_JOBS', f'jobs must be a list of 1..{MAX_JOBS} new jobs')
        batch = self.add_jobs_as_batch(correlation_id, jobs, callback_url, description)
        return self.get_batch(correlation_id, batch.id)

    def add_jobs_as_batch(self, correlation_id: Optional[str], jobs: List[Any], callback_url: Any = None,
                          description: Any = None, kind: Optional[str] = None,
                          shape: Optional[Callable[[List[JobV1]], List[JobV1]]] = None) -> JobBatchV1:
        """Stores the batch record (of ``kind``) and its jobs; ``shape``: the controller's last change to the
        new jobs before they are stored (a workflow ties them together)."""
        if callback_url is not None and (not isinstance(callback_url, str)
                                         or not callback_url.startswith(('http://', 'https://'))):
            raise BadRequestException(correlation_id, 'BAD_CALLBACK_URL', 'callback_url must be an http(s) URL')
        if description is not None and not isinstance(description, str):
            raise BadRequestException(correlation_id, 'BAD_DESCRIPTION', 'description must be a string')
        batch = JobBatchV1(str(uuid.uuid4()), description, callback_url, clock.now(), kind=kind)
        self._persistence.create(correlation_id, batch)
        try:
            self._controller.add_jobs_of_batch(correlation_id, jobs, batch.id, shape)
        except Exception:
            self._persistence.delete_by_id(correlation_id, batch.id)  # nothing was added (checks run first)
            raise
        self._persistence.set_fields(correlation_id, batch.id, {'sealed': True})
        self._check_done(correlation_id, batch.id)  # every job may have finished already
        return batch

    def get_record(self, correlation_id: Optional[str], batch_id: str) -> Optional[JobBatchV1]:
        return self._persistence.get_one_by_id(correlation_id, batch_id)

    # --- workflows (job_workflows.py) ------------------------------------------------------------------
    def add_workflow(self, correlation_id: Optional[str], jobs: Any, callback_url: Any = None,
                     description: Any = None) -> dict:
        return self._workflows.add_workflow(correlation_id, jobs, callback_url, description)

    def get_workflow(self, correlation_id: Optional[str], workflow_id: Any) -> dict:
        return self._workflows.get_workflow(correlation_id, workflow_id)

    def get_workflow_and_jobs(self, correlation_id: Optional[str], workflow_id: Any) -> Tuple[dict, List[JobV1]]:
        return self._workflows.get_workflow_and_jobs(correlation_id, workflow_id)

    def cancel_workflow(self, correlation_id: Optional[str], workflow_id: Any) -> dict:
        return self._workflows.cancel_workflow(correlation_id, workflow_id)

    def get_batch(self, correlation_id: Optional[str], batch_id: Any) -> dict:
        batch_id = require_text(correlation_id, 'batch_id', batch_id)
        batch = self._persistence.get_one_by_id(correlation_id, batch_id)
        if batch is None:
            raise NotFoundException(correlation_id, 'BATCH_NOT_FOUND', f'Batch {batch_id} was not found') \
                .with_details('batch_id', batch_id)
        counts = self._jobs_persistence.batch_counts(correlation_id, batch_id)
        summary = {name: value for name, value in batch.to_json().items()
                   if name not in ('sealed', 'kind', 'outcome')}
        summary['done'], summary['canceled'] = bool(batch.done), bool(batch.canceled)  # nx-27017 gives 0/1
        summary['counts'] = {status: counts.get(status, 0) for status in
                             JobStatusV1.ALL}
        summary['total'] = sum(counts.values())
        return summary

    def cancel_batch(self, correlation_id: Optional[str], batch_id: Any) -> dict:
        """Cancels the batch's jobs (cancel_job: queued ones now, running ones asked to stop)."""
        batch_id = require_text(correlation_id, 'batch_id', batch_id)
        self.get_batch(correlation_id, batch_id)  # 404 for an unknown batch
        self._persistence.set_fields(correlation_id, batch_id, {'canceled': True})
        for status in (JobStatusV1.Queued, JobStatusV1.Running):
            filter = FilterParams.from_tuples('batch_id', batch_id, 'status', status)
            skip = 0  # cancelled queued jobs leave the filter; running ones stay in it, asked to stop
            while True:
                page = self._controller.get_jobs(correlation_id, filter, PagingParams(skip, 100))
                ids = [job.id for job in page.data]
                if not ids:
                    break
                self._controller.cancel_jobs(correlation_id, ids, 'batch canceled')
                skip += len(ids) if status == JobStatusV1.Running else 0
        self._check_done(correlation_id, batch_id)
        return self.get_batch(correlation_id, batch_id)

    # --- what the controller tells it --------------------------------------------------------------------
    def job_finished(self, correlation_id: Optional[str], job: JobV1):
        if job.batch_id is not None and job.is_finished:
            self._check_done(correlation_id, job.batch_id)

    def _check_done(self, correlation_id: Optional[str], batch_id: str):
        if self._jobs_persistence.batch_has_unfinished(correlation_id, batch_id):
            return
        if not self._persistence.claim_done(correlation_id, batch_id, clock.now()):
            return  # not sealed yet, already done, or another process won
        batch = self._persistence.get_one_by_id(correlation_id, batch_id)
        if batch.kind == WORKFLOW:
            summary = self._workflows.summary(correlation_id, batch)
            self._persistence.set_fields(correlation_id, batch_id, {'outcome': summary['status']})
        else:
            summary = self.get_batch(correlation_id, batch_id)
        if summary.get('callback_url'):
            self._controller.send_callback(_BatchCallback(summary['callback_url'], summary))
