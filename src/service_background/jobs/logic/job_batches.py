"""Batches: ``add_batch {jobs, callback_url?, description?}`` adds the jobs (as
add_jobs, each with ``batch_id``) and returns the batch; ``get_batch {batch_id}`` gives it with
``counts`` by status and ``total``; ``cancel_batch {batch_id}`` aborts its queued jobs (running ones
finish as they will).

When the last job of a batch finishes (done, failed for good, aborted), the batch is marked
``completed`` in one atomic step (memory/file: under the store's lock; MongoDB: find_one_and_update
on ``done: false``), so exactly one process wins, and the winner POSTs the batch summary (the
``get_batch`` answer) to ``callback_url`` through the jobs' callback sender: durably queued in the
same outbox as job callbacks (file and MongoDB: it survives restarts), retried with backoff.
A job retried by backoff is unfinished, so the batch waits for it. A unique job of the batch whose
key is held returns its holder, which is not in the batch.

``JobBatches`` (``service-background-jobs:batches:default:default:1.0``) keeps batch records in its
persistence (``service-background-jobs:persistence-batches:*:*:1.0``: memory, file or MongoDB) and
sets itself on the jobs controller as ``controller.batches``."""
import uuid
from datetime import datetime
from typing import Any, Optional

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, NotFoundException
from pip_services3_commons.refer import Descriptor, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable

from service_background.common.data import clock
from service_background.common.data.data_object import DataObjectV1
from service_background.common.persistence.file_journal import FileJournal
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.persistence import job_transitions as rules

MAX_JOBS = 1000


class JobBatchV1(DataObjectV1):
    """A batch: ``sealed`` once all its jobs are stored; ``done`` once its last job finished."""
    _date_fields = frozenset({'created', 'completed'})

    def __init__(self, id: Optional[str] = None, description: Optional[str] = None,
                 callback_url: Optional[str] = None, created: Optional[datetime] = None,
                 completed: Optional[datetime] = None, sealed: bool = False, done: bool = False,
                 canceled: bool = False):
        self.id = id
        self.description = description
        self.callback_url = callback_url
        self.created = created
        self.completed = completed
        self.sealed = sealed
        self.done = done
        self.canceled = canceled


class JobBatchesMemoryPersistence(MemoryPersistence):
    def __init__(self):
        super().__init__(JobBatchV1)

    def claim_done(self, correlation_id: Optional[str], batch_id: str, now: datetime) -> bool:
        return self.patch(correlation_id, batch_id, {'done': True, 'completed': now},
                          lambda batch: batch.sealed and not batch.done) is not None

    def set_fields(self, correlation_id: Optional[str], batch_id: str, fields: dict):
        self.patch(correlation_id, batch_id, fields)


class JobBatchesFilePersistence(JobBatchesMemoryPersistence):
    """Configure ``path`` (default ./data/job_batches.json)."""

    def __init__(self, path: str = './data/job_batches.json'):
        super().__init__()
        self._journal = FileJournal(path)


class JobBatchesMongoDbPersistence(MongoDbPersistence):
    def __init__(self):
        super().__init__('job_batches', JobBatchV1)

    def claim_done(self, correlation_id: Optional[str], batch_id: str, now: datetime) -> bool:
        return self.find_one_and_update(correlation_id, {'_id': batch_id, 'sealed': True, 'done': False},
                                        {'$set': {'done': True, 'completed': now}}) is not None

    def set_fields(self, correlation_id: Optional[str], batch_id: str, fields: dict):
        self._collection.update_one({'_id': batch_id}, {'$set': fields})


class _BatchCallback:
    """What the callback sender POSTs: the batch summary."""

    def __init__(self, url: str, summary: dict):
        self.callback_url = url
        self._summary = summary

    def to_json(self) -> dict:
        return self._summary


class JobBatches(IConfigurable, IReferenceable, IOpenable):
    _persistence_descriptor = Descriptor('service-background-jobs', 'persistence-batches', '*', '*', '1.0')
    _controller_descriptor = Descriptor('service-background-jobs', 'controller', '*', '*', '1.0')

    def __init__(self):
        self._persistence = None
        self._controller = None
        self._opened = False

    def configure(self, config: ConfigParams):
        pass

    def set_references(self, references: IReferences):
        self._persistence = references.get_one_required(self._persistence_descriptor)
        self._controller = references.get_one_optional(self._controller_descriptor)
        if self._controller is not None:
            self._controller.batches = self

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
        if callback_url is not None and (not isinstance(callback_url, str)
                                         or not callback_url.startswith(('http://', 'https://'))):
            raise BadRequestException(correlation_id, 'BAD_CALLBACK_URL', 'callback_url must be an http(s) URL')
        if description is not None and not isinstance(description, str):
            raise BadRequestException(correlation_id, 'BAD_DESCRIPTION', 'description must be a string')
        batch = JobBatchV1(str(uuid.uuid4()), description, callback_url, clock.now())
        self._persistence.create(correlation_id, batch)
        try:
            self._controller._add(correlation_id, jobs, batch.id)
        except Exception:
            self._persistence.delete_by_id(correlation_id, batch.id)  # nothing was added (checks run first)
            raise
        self._persistence.set_fields(correlation_id, batch.id, {'sealed': True})
        self._check_done(correlation_id, batch.id)  # every job may have finished already
        return self.get_batch(correlation_id, batch.id)

    def get_batch(self, correlation_id: Optional[str], batch_id: Any) -> dict:
        batch_id = require_text(correlation_id, 'batch_id', batch_id)
        batch = self._persistence.get_one_by_id(correlation_id, batch_id)
        if batch is None:
            raise NotFoundException(correlation_id, 'BATCH_NOT_FOUND', f'Batch {batch_id} was not found') \
                .with_details('batch_id', batch_id)
        counts = self._controller._persistence.batch_counts(correlation_id, batch_id)
        summary = {name: value for name, value in batch.to_json().items() if name != 'sealed'}
        summary['done'], summary['canceled'] = bool(batch.done), bool(batch.canceled)  # nx-27017 gives 0/1
        summary['counts'] = {status: counts.get(status, 0) for status in
                             (JobStatusV1.Queued, JobStatusV1.Running, JobStatusV1.Done, JobStatusV1.Failed,
                              JobStatusV1.Aborted)}
        summary['total'] = sum(counts.values())
        return summary

    def cancel_batch(self, correlation_id: Optional[str], batch_id: Any) -> dict:
        """Aborts the batch's queued jobs (running ones are left to finish)."""
        batch_id = require_text(correlation_id, 'batch_id', batch_id)
        self.get_batch(correlation_id, batch_id)  # 404 for an unknown batch
        self._persistence.set_fields(correlation_id, batch_id, {'canceled': True})
        controller = self._controller
        filter = FilterParams.from_tuples('batch_id', batch_id, 'status', JobStatusV1.Queued)
        now = clock.now()

        def abort(job: Optional[JobV1]) -> Optional[JobV1]:
            if job is None or job.status != JobStatusV1.Queued:
                return None
            return rules.finish(job, now, JobStatusV1.Aborted, None, 'batch canceled',
                                controller._option('finished_ttl'))
        while True:
            page = controller._persistence.get_page_by_filter(correlation_id, filter, PagingParams(0, 100))
            ids = [job.id for job in page.data]
            if not ids:
                break
            for job in controller._persistence.modify_many(correlation_id, ids, abort):
                if job is not None:
                    controller._after_finish_many([job])
        self._check_done(correlation_id, batch_id)
        return self.get_batch(correlation_id, batch_id)

    # --- the controller's hook --------------------------------------------------------------------
    def job_finished(self, correlation_id: Optional[str], job: JobV1):
        if job.batch_id is not None and job.is_finished:
            self._check_done(correlation_id, job.batch_id)

    def _check_done(self, correlation_id: Optional[str], batch_id: str):
        if self._controller._persistence.batch_has_unfinished(correlation_id, batch_id):
            return
        if not self._persistence.claim_done(correlation_id, batch_id, clock.now()):
            return  # not sealed yet, already done, or another process won
        summary = self.get_batch(correlation_id, batch_id)
        if summary.get('callback_url'):
            self._controller._callbacks.send(_BatchCallback(summary['callback_url'], summary))


class NoBatches:
    @staticmethod
    def job_finished(correlation_id, job):
        pass

    @staticmethod
    def _disabled(correlation_id: Optional[str], *args):
        raise BadRequestException(correlation_id, 'BATCHES_DISABLED', 'Job batches are not configured')

    add_batch = get_batch = cancel_batch = _disabled


NO_BATCHES = NoBatches()
