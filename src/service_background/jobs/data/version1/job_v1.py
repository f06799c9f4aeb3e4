"""JobV1, the stored job: its field table is the one source of its slots, constructor, schema and JSON."""
from datetime import datetime
from typing import Any, Optional, Sequence

from pip_services3_commons.convert import TypeCode

from service_background.common.data.data_object import DataObjectV1
from service_background.common.data.field_table import FieldTable, data_field
from service_background.jobs.data.version1.job_status_v1 import JobStatusV1


class JobV1(DataObjectV1, metaclass=FieldTable):
    """One job. Durations (timeout, result_ttl) are in ms; ``type`` is the queue.

    ``timeout`` is the lease a take uses when it names none; ``remove_at`` is when the cleaner drops a
    finished job (completed + result_ttl, or + the cleaner's default). ``not_before`` is never null
    (created + delay), so a due-job query needs no null match.

    ``lease_token`` (fenced leases) is a fresh random token stamped by every take and cleared when the
    job leaves ``running``: finishing, extending or aborting with a token that is not the current one
    is refused with 409 LEASE_LOST. Calls without a token are not fenced.

    ``unique_key``/``unique_until``/``unique_expires`` (the unique lock: key within the type, lifetime
    ``started | finished | ttl``, end of a ttl lock), ``backoff`` (the retry backoff asked by the job,
    None: the default), ``depends_on`` (parent ids) and ``waiting_on`` (the parents not done yet: while it
    is non-empty ``not_before`` is far in the future, so takes skip the job without a new query
    condition), ``batch_id`` (the batch made by add_batch).

    ``idempotency_key``: the key the job was added with; a later add with that key answers this job
    (persistence/idempotency_keys.py).

    Running jobs (job_transitions.py): ``cancel_requested``/``cancel_reason`` (cancel_job on a running job:
    its worker is told and reports ``cancel``), ``progress`` (0..100) and ``progress_message`` as its
    handler set them, ``worker_id`` (the worker of the current or last attempt, when it named itself),
    ``attempts`` (the ended attempts, oldest first, the last 20: {attempt, worker_id, started, ended,
    outcome, error}; the running one is ``retries``/``worker_id``/``started``; the one that finished the job
    as its status says is its own fields until a reader asks, job_transitions.with_attempts), ``trace_context`` (the
    producer's W3C {traceparent, tracestate?}).

    Fair queues (persistence: the take's order): ``group_key`` (a tenant, a customer) and ``group_turn`` (its
    turn in the group, given by the store when it is created: takes of a type go by priority, then turn, then
    created, so groups are served round-robin). Workflows (logic/job_workflows.py): ``workflow_key`` (the job's
    key in its workflow, whose id is ``batch_id``), ``on_parent_failure`` (fail | skip | run) and
    ``parent_results`` (parent key -> its result, or {error, status} of a failed parent under ``run``).

    What every job has is a slot; what few jobs or only finished ones have is ``sparse``: it lives in one
    dict, absent while all of it is None, so a queued job costs less than half the memory. The group fields
    are slots although many jobs have none: a grouped queued job then has no dict to copy on every write."""

    # the order is the constructor's and the JSON's
    id: Optional[str] = data_field(default=None, type_code=TypeCode.String, required=True)
    type: Optional[str] = data_field(default=None, type_code=TypeCode.String, required=True)
    ref_id: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    params: Any = data_field(default=None, packed=True)
    priority: int = data_field(default=1, type_code=TypeCode.Integer)
    status: str = data_field(default=JobStatusV1.Queued, type_code=TypeCode.String)
    result: Any = data_field(default=None, sparse=True, packed=True)
    created: Optional[datetime] = data_field(default=None)
    started: Optional[datetime] = data_field(default=None, sparse=True)
    locked_until: Optional[datetime] = data_field(default=None, sparse=True)
    execute_until: Optional[datetime] = data_field(default=None, sparse=True)
    completed: Optional[datetime] = data_field(default=None, sparse=True)
    retries: int = data_field(default=0, type_code=TypeCode.Integer)
    max_retries: int = data_field(default=10, type_code=TypeCode.Integer)
    not_before: Optional[datetime] = data_field(default=None)
    timeout: Optional[int] = data_field(default=None, type_code=TypeCode.Long, sparse=True)
    result_ttl: Optional[int] = data_field(default=None, type_code=TypeCode.Long, sparse=True)
    callback_url: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    last_error: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    remove_at: Optional[datetime] = data_field(default=None, sparse=True)
    lease_token: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    unique_key: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    unique_until: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    unique_expires: Optional[datetime] = data_field(default=None, sparse=True)
    backoff: Optional[dict] = data_field(default=None, sparse=True)
    depends_on: Optional[list] = data_field(default=None, sparse=True)
    waiting_on: Optional[list] = data_field(default=None, sparse=True)
    batch_id: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    idempotency_key: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    cancel_requested: Optional[bool] = data_field(default=None, type_code=TypeCode.Boolean, sparse=True)
    cancel_reason: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    progress: Optional[float] = data_field(default=None, type_code=TypeCode.Double, sparse=True)
    progress_message: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    worker_id: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    attempts: Optional[Sequence[dict]] = data_field(default=None, sparse=True)
    trace_context: Optional[dict] = data_field(default=None, sparse=True)
    group_key: Optional[str] = data_field(default=None, type_code=TypeCode.String)
    group_turn: Optional[int] = data_field(default=None, type_code=TypeCode.Long)
    on_parent_failure: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    parent_results: Optional[dict] = data_field(default=None, sparse=True)
    workflow_key: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)

    @property
    def is_finished(self) -> bool:
        return self.status in JobStatusV1.FINISHED
