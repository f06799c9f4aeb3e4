"""The jobs controller's commands (POST /v1/jobs/<command>): argument schemas and the call each makes."""
from pip_services3_commons.commands import CommandSet
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.validate import ArraySchema, FilterParamsSchema, ObjectSchema, PagingParamsSchema

from service_background.common.data.validation import DescribedSchema, json_number
from service_background.common.logic.commands import Command
from service_background.jobs.data.version1 import NewJobV1Schema
from service_background.jobs.data.version1.workflow_job_v1_schema import WorkflowJobV1Schema


def _by_id() -> ObjectSchema:
    return ObjectSchema(True).with_required_property('job_id', TypeCode.String)


def _by_id_with_timeout() -> ObjectSchema:
    return _by_id().with_optional_property('timeout', TypeCode.Long)


def _fenced(schema: ObjectSchema) -> ObjectSchema:
    """An optional ``lease_token``: given, the call is refused with 409 LEASE_LOST unless it is the
    job's current one; left out, the call is not fenced (as before leases had tokens)."""
    return schema.with_optional_property('lease_token', TypeCode.String)


class JobsCommandSet(CommandSet):
    """The eleven original commands (argument names as first defined; timeouts in ms) plus add_jobs,
    start_jobs_by_type, complete_jobs (a list as long as job_ids: the completed job, or null where the
    id is unknown or already finished) and fail_job. extend_job, abort_job, complete_job, fail_job take
    an optional ``lease_token`` and complete_jobs optional ``lease_tokens`` (fenced leases).

    report_jobs {reports, take?, quiet?, worker?} → {results, jobs, cancel?}: many outcomes (complete, fail,
    abort, extend, cancel, progress, log) in one write, each fenced and refused alone in its slot, then an
    optional take; ``worker`` names the caller (job_reports.py).

    cancel_job {job_id, reason?}, set_job_progress {job_id, lease_token?, progress, message?}, add_job_log
    {job_id, lease_token?, lines}, get_job_log {job_id, skip?, take?}, get_workers {} (running_jobs.py).

    retry_jobs {filter} → {count} (job_backoff.py); set_queue_limits {type, concurrency?,
    rate?: {limit, period_ms}} → the type's limits, get_queue_limits {type?} → a list of them,
    clear_queue_limits {type}, get_queue_groups {type, limit?} (queue_limits.py); add_workflow {jobs,
    callback_url?, description?}, get_workflow {workflow_id}, cancel_workflow {workflow_id}
    (job_workflows.py); add_batch {jobs, callback_url?, description?} → the batch, get_batch {batch_id} →
    the batch with counts by status, cancel_batch {batch_id}
    (job_batches.py). add_job / add_jobs / add_uniq_job take ``unique``, ``backoff`` and
    ``depends_on`` in NewJobV1 (job_uniqueness.py, job_backoff.py, job_dependencies.py), and
    ``idempotency_key`` (not blank, at most 256 characters, else 400): a known key answers the job it first added
    (persistence/idempotency_keys.py)."""

    def __init__(self, controller):
        super().__init__()
        c = controller
        self.add_commands([
            Command('add_job', ObjectSchema(True).with_required_property('new_job', NewJobV1Schema()),
                    lambda cid, args: c.add_job(cid, args.get('new_job'))),
            Command('add_jobs', ObjectSchema(True).with_required_property('new_jobs', ArraySchema(NewJobV1Schema())),
                    lambda cid, args: c.add_jobs(cid, args.get('new_jobs'))),
            Command('add_uniq_job', ObjectSchema(True).with_required_property('new_job', NewJobV1Schema()),
                    lambda cid, args: c.add_uniq_job(cid, args.get('new_job'))),
            Command('get_jobs',
                    ObjectSchema(True).with_optional_property('filter', FilterParamsSchema())
                    .with_optional_property('paging', PagingParamsSchema()),
                    lambda cid, args: c.get_jobs(cid, FilterParams.from_value(args.get('filter')),
                                                 PagingParams.from_value(args.get('paging')))),
            Command('get_job_by_id', _by_id(), lambda cid, args: c.get_job_by_id(cid, args.get('job_id'))),
            Command('start_job_by_id', _by_id_with_timeout().with_optional_property('worker_id', TypeCode.String),
                    lambda cid, args: c.start_job_by_id(cid, args.get('job_id'), args.get('timeout'),
                                                        args.get('worker_id'))),
            Command('start_job_by_type',
                    ObjectSchema(True).with_required_property('type', TypeCode.String)
                    .with_optional_property('timeout', TypeCode.Long)
                    .with_optional_property('worker_id', TypeCode.String),
                    lambda cid, args: c.start_job_by_type(cid, args.get('type'), args.get('timeout'),
                                                          args.get('worker_id'))),
            Command('start_jobs_by_type',
                    ObjectSchema(True).with_required_property('type', TypeCode.String)
                    .with_optional_property('timeout', TypeCode.Long).with_optional_property('limit', TypeCode.Integer)
                    .with_optional_property('worker_id', TypeCode.String),
                    lambda cid, args: c.start_jobs_by_type(cid, args.get('type'), args.get('timeout'),
                                                           args.get('limit'), args.get('worker_id'))),
            Command('extend_job', _fenced(_by_id_with_timeout()),
                    lambda cid, args: c.extend_job(cid, args.get('job_id'), args.get('timeout'),
                                                   args.get('lease_token'))),
            Command('abort_job', _fenced(_by_id()),
                    lambda cid, args: c.abort_job(cid, args.get('job_id'), args.get('lease_token'))),
            Command('complete_job', _fenced(_by_id().with_optional_property('result', None)),
                    lambda cid, args: c.complete_job(cid, args.get('job_id'), args.get('result'),
                                                     args.get('lease_token'))),
            Command('complete_jobs',
                    ObjectSchema(True).with_required_property('job_ids', ArraySchema(TypeCode.String))
                    .with_optional_property('results', ArraySchema(None))
                    .with_optional_property('lease_tokens', None),
                    lambda cid, args: c.complete_jobs(cid, args.get('job_ids'), args.get('results'),
                                                      args.get('lease_tokens'))),
            Command('report_jobs', _reports(),
                    lambda cid, args: c.report_jobs(cid, args.get('reports'), args.get('take'), args.get('quiet'),
                                                    args.get('worker'))),
            # running jobs (jobs/logic/running_jobs.py)
            Command('cancel_job', _by_id().with_optional_property('reason', TypeCode.String),
                    lambda cid, args: c.cancel_job(cid, args.get('job_id'), args.get('reason'))),
            Command('set_job_progress', _fenced(_by_id()).with_required_property('progress', None)
                    .with_optional_property('message', TypeCode.String),
                    lambda cid, args: c.set_job_progress(cid, args.get('job_id'), args.get('progress'),
                                                         args.get('message'), args.get('lease_token'))),
            Command('add_job_log', _fenced(_by_id()).with_required_property('lines', TypeCode.Array),
                    lambda cid, args: c.add_job_log(cid, args.get('job_id'), args.get('lines'),
                                                    args.get('lease_token'))),
            Command('get_job_log', DescribedSchema(True).with_required_property('job_id', TypeCode.String)
                    .with_described('skip', json_number(0, 10 ** 9, integer=True), TypeCode.Long)
                    .with_described('take', json_number(1, 1000, integer=True), TypeCode.Long),
                    lambda cid, args: c.get_job_log(cid, args.get('job_id'), args.get('skip'), args.get('take'))),
            Command('get_workers', ObjectSchema(True), lambda cid, args: c.get_workers(cid)),
            Command('fail_job', _fenced(_by_id().with_optional_property('error', TypeCode.String)),
                    lambda cid, args: c.fail_job(cid, args.get('job_id'), args.get('error'),
                                                 args.get('lease_token'))),
            Command('delete_job_by_id', _by_id(), lambda cid, args: c.delete_job_by_id(cid, args.get('job_id'))),
            Command('delete_jobs', ObjectSchema(True), lambda cid, args: c.delete_jobs(cid)),
            # retry backoff's bulk action (jobs/logic/job_backoff.py)
            Command('retry_jobs', ObjectSchema(True).with_optional_property('filter', FilterParamsSchema()),
                    lambda cid, args: {'count': c.retry_jobs(cid, FilterParams.from_value(args.get('filter')))}),
            # paused queues (jobs/logic/queue_pauses.py), persisted; takes skip a paused type
            Command('pause_queue', _typed(), lambda cid, args: c.pauses.pause(cid, args.get('type'))),
            Command('resume_queue', _typed(), lambda cid, args: c.pauses.resume(cid, args.get('type'))),
            Command('get_paused_queues', ObjectSchema(True), lambda cid, args: c.pauses.paused_types(cid)),
            # global per-queue limits (jobs/logic/queue_limits.py), persisted, every process
            Command('set_queue_limits', _queue_limits(),
                    lambda cid, args: c.limits.set_limits(cid, args.get('type'), args.get('concurrency'),
                                                          args.get('rate'), args.get('group_concurrency'))),
            Command('get_queue_limits', ObjectSchema(True).with_optional_property('type', TypeCode.String),
                    lambda cid, args: c.limits.get_limits(cid, args.get('type'))),
            Command('clear_queue_limits', _typed(), lambda cid, args: c.limits.clear_limits(cid, args.get('type'))),
            Command('get_queue_groups', _typed().with_optional_property('limit', TypeCode.Integer),
                    lambda cid, args: c.limits.get_groups(cid, args.get('type'), args.get('limit'))),
            # batches (jobs/logic/job_batches.py)
            Command('add_batch', ObjectSchema(True).with_required_property('jobs', ArraySchema(NewJobV1Schema()))
                    .with_optional_property('callback_url', TypeCode.String)
                    .with_optional_property('description', TypeCode.String),
                    lambda cid, args: c.batches.add_batch(cid, args.get('jobs'), args.get('callback_url'),
                                                          args.get('description'))),
            Command('get_batch', _batch(), lambda cid, args: c.batches.get_batch(cid, args.get('batch_id'))),
            Command('cancel_batch', _batch(), lambda cid, args: c.batches.cancel_batch(cid, args.get('batch_id'))),
            # workflows (jobs/logic/job_workflows.py): DAGs of jobs handing results on
            Command('add_workflow', ObjectSchema(True)
                    .with_required_property('jobs', ArraySchema(WorkflowJobV1Schema()))
                    .with_optional_property('callback_url', TypeCode.String)
                    .with_optional_property('description', TypeCode.String),
                    lambda cid, args: c.batches.add_workflow(cid, args.get('jobs'), args.get('callback_url'),
                                                             args.get('description'))),
            Command('get_workflow', _workflow(),
                    lambda cid, args: c.batches.get_workflow(cid, args.get('workflow_id'))),
            Command('cancel_workflow', _workflow(),
                    lambda cid, args: c.batches.cancel_workflow(cid, args.get('workflow_id'))),
        ])


def _reports() -> ObjectSchema:
    """report_jobs {reports: [{job_id, lease_token, outcome: complete | fail | abort | extend, result?,
    error?, timeout?}], take?: {type, limit?, timeout?}, quiet?} (job_reports.py checks the rest)."""
    report = _fenced(_by_id_with_timeout()).with_required_property('outcome', TypeCode.String) \
        .with_optional_property('result', None).with_optional_property('error', TypeCode.String) \
        .with_optional_property('progress', None).with_optional_property('message', TypeCode.String) \
        .with_optional_property('lines', TypeCode.Array)
    take = ObjectSchema(True).with_required_property('type', TypeCode.String) \
        .with_optional_property('limit', TypeCode.Integer).with_optional_property('timeout', TypeCode.Long)
    return ObjectSchema(True).with_optional_property('reports', ArraySchema(report)) \
        .with_optional_property('take', take).with_optional_property('quiet', TypeCode.Boolean) \
        .with_optional_property('worker', TypeCode.Map)


def _typed() -> ObjectSchema:
    return ObjectSchema(True).with_required_property('type', TypeCode.String)


def _queue_limits() -> ObjectSchema:
    """set_queue_limits {type, concurrency?, rate?, group_concurrency?}: one at least (/openapi.json says so)."""
    return DescribedSchema(True).with_required_property('type', TypeCode.String) \
        .with_optional_property('concurrency', TypeCode.Integer).with_optional_property('rate', TypeCode.Map) \
        .with_optional_property('group_concurrency', TypeCode.Integer) \
        .with_described_object({'anyOf': [{'required': ['concurrency']}, {'required': ['rate']},
                                          {'required': ['group_concurrency']}]})


def _workflow() -> ObjectSchema:
    return ObjectSchema(True).with_required_property('workflow_id', TypeCode.String)


def _batch() -> ObjectSchema:
    return ObjectSchema(True).with_required_property('batch_id', TypeCode.String)
