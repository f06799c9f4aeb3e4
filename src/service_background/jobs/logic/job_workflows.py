"""Workflows: ``add_workflow {jobs: [{key, depends_on?: [key...], on_parent_failure?, ...NewJobV1}], callback_url?,
description?}`` adds a DAG of jobs at once; ``get_workflow``, ``cancel_workflow``.

A workflow is a batch whose jobs depend on each other: its record is a batch record of kind ``workflow``, its
jobs carry its id in ``batch_id`` and their key in ``workflow_key``, and the batch machinery ends it (claimed
once across processes, the callback through the durable outbox). Parents hand their results to their children
(job_dependencies.py). The jobs are stored children first, so a parent can never finish before its children
exist and look for them in vain."""
from typing import Any, Dict, List, Optional, Tuple

from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, NotFoundException

from service_background.common.data.validation import require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.logic.new_job_rules import POLICIES

MAX_JOBS = 10000
MAX_KEY = 200
MAX_PARENTS = 100
KIND = 'workflow'
_NOT_ALLOWED = ('unique', 'idempotency_key')  # a held key would answer a job outside the workflow
_PAGE = 1000


def _bad(correlation_id: Optional[str], message: str, **details) -> BadRequestException:
    error = BadRequestException(correlation_id, 'BAD_WORKFLOW', message)
    for name, value in details.items():
        error = error.with_details(name, value)
    return error


def check_workflow(correlation_id: Optional[str], jobs: Any) -> List[dict]:
    """The jobs of a workflow, checked (keys unique, parents known, no cycle) and ordered children first:
    each a dict without its key and with ``depends_on`` still naming keys."""
    if not isinstance(jobs, list) or not jobs or len(jobs) > MAX_JOBS:
        raise _bad(correlation_id, f'jobs must be a list of 1..{MAX_JOBS} jobs')
    parents: Dict[str, List[str]] = {}
    for index, job in enumerate(jobs):
        if not isinstance(job, dict):
            raise _bad(correlation_id, f'jobs[{index}] must be an object', index=index)
        key = job.get('key')
        if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY:
            raise _bad(correlation_id, f'jobs[{index}].key must be a non-blank string of up to {MAX_KEY} characters',
                       index=index)
        if key in parents:
            raise _bad(correlation_id, f'key {key} is used twice', key=key)
        if job.get('on_parent_failure') not in (None,) + POLICIES:
            raise _bad(correlation_id, f'on_parent_failure of {key} must be fail, skip or run', key=key)
        for name in _NOT_ALLOWED:
            if job.get(name) is not None:
                raise _bad(correlation_id, f'{name} is not allowed in a workflow job', key=key)
        depends_on = job.get('depends_on') or []
        if not isinstance(depends_on, list) or len(depends_on) > MAX_PARENTS \
                or not all(isinstance(name, str) for name in depends_on):
            raise _bad(correlation_id, f'depends_on of {key} must be a list of up to {MAX_PARENTS} keys', key=key)
        parents[key] = list(dict.fromkeys(depends_on))
    for key, names in parents.items():
        for name in names:
            if name not in parents:
                raise _bad(correlation_id, f'{key} depends on {name}, which is not in the workflow', key=key)
    order = _children_first(correlation_id, parents)
    by_key = {job['key']: job for job in jobs}
    return [dict(by_key[key], depends_on=parents[key] or None) for key in order]


def _children_first(correlation_id: Optional[str], parents: Dict[str, List[str]]) -> List[str]:
    """Kahn's order from the sinks (a job after every child of it); a cycle is refused."""
    children_left = {key: 0 for key in parents}
    for names in parents.values():
        for name in names:
            children_left[name] += 1
    ready = [key for key, count in children_left.items() if count == 0]
    order = []
    while ready:
        key = ready.pop()
        order.append(key)
        for name in parents[key]:
            children_left[name] -= 1
            if children_left[name] == 0:
                ready.append(name)
    if len(order) < len(parents):
        stuck = sorted(key for key, count in children_left.items() if count > 0)[:10]
        raise _bad(correlation_id, f'the workflow has a cycle through {", ".join(stuck)}', keys=stuck)
    return order


def workflow_status(batch: JobBatchV1, counts: Dict[str, int]) -> str:
    if batch.canceled:
        return 'cancelled'
    if batch.outcome is not None:
        return batch.outcome  # ended: its jobs may have been removed since
    if counts.get(JobStatusV1.Queued, 0) or counts.get(JobStatusV1.Running, 0):
        return 'running'
    if counts.get(JobStatusV1.Failed, 0) or counts.get(JobStatusV1.Aborted, 0) or counts.get(JobStatusV1.Skipped, 0):
        return 'failed'
    return 'cancelled' if counts.get(JobStatusV1.Cancelled, 0) else 'done'


def _summary_of(batch: JobBatchV1, jobs: List[JobV1]) -> dict:
    counts = {status: 0 for status in JobStatusV1.ALL}
    for job in jobs:
        counts[job.status] = counts.get(job.status, 0) + 1
    return {'id': batch.id, 'description': batch.description, 'callback_url': batch.callback_url,
            'created': batch.created, 'completed': batch.completed,
            'status': workflow_status(batch, counts), 'counts': counts, 'total': len(jobs),
            'jobs': {job.workflow_key: {'id': job.id, 'status': job.status} for job in jobs}}


class JobWorkflows:
    """A part of JobBatches: ``batches`` is it (records, counts, cancel), ``controller`` the jobs controller."""

    def __init__(self, batches, controller):
        self._batches = batches
        self._controller = controller

    def add_workflow(self, correlation_id: Optional[str], jobs: Any, callback_url: Any = None,
                     description: Any = None) -> dict:
        ordered = check_workflow(correlation_id, jobs)
        keys = [job.pop('key') for job in ordered]

        ids: Dict[str, str] = {}

        def shape(stored: List[JobV1]) -> List[JobV1]:
            ids.update((key, job.id) for key, job in zip(keys, stored))
            for key, job in zip(keys, stored):
                job.workflow_key = key
                if job.depends_on:
                    job.depends_on = [ids[name] for name in job.depends_on]
                    job.waiting_on = list(job.depends_on)
            return stored
        batch = self._batches.add_jobs_as_batch(correlation_id, ordered, callback_url, description, KIND, shape)
        return {'id': batch.id, 'jobs': {key: ids[key] for key in reversed(keys)}}

    def get_workflow(self, correlation_id: Optional[str], workflow_id: Any) -> dict:
        return self.get_workflow_and_jobs(correlation_id, workflow_id)[0]

    def get_workflow_and_jobs(self, correlation_id: Optional[str], workflow_id: Any) -> Tuple[dict, List[JobV1]]:
        """get_workflow's answer and the workflow's jobs, read once (the dashboard draws them)."""
        workflow_id = require_text(correlation_id, 'workflow_id', workflow_id)
        batch = self._batches.get_record(correlation_id, workflow_id)
        if batch is None or batch.kind != KIND:
            raise NotFoundException(correlation_id, 'WORKFLOW_NOT_FOUND', f'Workflow {workflow_id} was not found') \
                .with_details('workflow_id', workflow_id)
        jobs = self._jobs_of(correlation_id, batch.id)
        return _summary_of(batch, jobs), jobs

    def summary(self, correlation_id: Optional[str], batch: JobBatchV1) -> dict:
        return _summary_of(batch, self._jobs_of(correlation_id, batch.id))

    def cancel_workflow(self, correlation_id: Optional[str], workflow_id: Any) -> dict:
        self.get_workflow(correlation_id, workflow_id)  # 404 for an unknown workflow
        self._batches.cancel_batch(correlation_id, workflow_id)
        return self.get_workflow(correlation_id, workflow_id)

    def _jobs_of(self, correlation_id: Optional[str], workflow_id: str) -> List[JobV1]:
        jobs: List[JobV1] = []
        filter = FilterParams.from_tuples('batch_id', workflow_id)
        while True:  # a store may cap a page below _PAGE: read until a page comes back empty
            page = self._controller.get_jobs(correlation_id, filter, PagingParams(len(jobs), _PAGE))
            if not page.data:
                return jobs
            jobs.extend(page.data)
