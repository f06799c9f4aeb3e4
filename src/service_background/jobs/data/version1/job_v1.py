from datetime import datetime
from typing import Any, Optional

from ....common.data import DataObjectV1
from .job_status_v1 import JobStatusV1


class JobV1(DataObjectV1):
    """One job. Durations (timeout, result_ttl) are in ms; seed 002's ``queue`` is ``type``.

    ``timeout`` is the lease a take uses when it names none; ``remove_at`` is when the cleaner drops a
    finished job (completed + result_ttl, or + the cleaner's default). ``not_before`` is never null
    (created + delay), so a due-job query needs no null match.

    ``lease_token`` (fenced leases) is a fresh random token stamped by every take and cleared when the
    job leaves ``running``: finishing, extending or aborting with a token that is not the current one
    is refused with 409 LEASE_LOST. Calls without a token are not fenced (seed behaviour).

    Issue 13: ``unique_key``/``unique_until``/``unique_expires`` (the unique lock: key within the
    type, lifetime ``started | finished | ttl``, end of a ttl lock), ``backoff`` (the retry backoff
    asked by the job, None: the default), ``depends_on`` (parent ids) and ``waiting_on`` (the parents
    not done yet: while it is non-empty ``not_before`` is far in the future, so takes skip the job
    without a new query condition), ``batch_id`` (the batch made by add_batch)."""

    __slots__ = ('id', 'type', 'ref_id', 'params', 'priority', 'status', 'result', 'created', 'started',
                 'locked_until', 'execute_until', 'completed', 'retries', 'max_retries', 'not_before', 'timeout',
                 'result_ttl', 'callback_url', 'last_error', 'remove_at', 'lease_token',
                 'unique_key', 'unique_until', 'unique_expires', 'backoff', 'depends_on', 'waiting_on', 'batch_id')

    _packed_fields = frozenset({'params', 'result'})
    _date_fields = frozenset({'created', 'started', 'locked_until', 'execute_until', 'completed',
                              'not_before', 'remove_at', 'unique_expires'})

    def __init__(self, id: Optional[str] = None, type: Optional[str] = None, ref_id: Optional[str] = None,
                 params: Any = None, priority: int = 1, status: str = JobStatusV1.Queued, result: Any = None,
                 created: Optional[datetime] = None, started: Optional[datetime] = None,
                 locked_until: Optional[datetime] = None, execute_until: Optional[datetime] = None,
                 completed: Optional[datetime] = None, retries: int = 0, max_retries: int = 10,
                 not_before: Optional[datetime] = None, timeout: Optional[int] = None,
                 result_ttl: Optional[int] = None, callback_url: Optional[str] = None,
                 last_error: Optional[str] = None, remove_at: Optional[datetime] = None,
                 lease_token: Optional[str] = None, unique_key: Optional[str] = None,
                 unique_until: Optional[str] = None, unique_expires: Optional[datetime] = None,
                 backoff: Optional[dict] = None, depends_on: Optional[list] = None,
                 waiting_on: Optional[list] = None, batch_id: Optional[str] = None):
        self.id = id
        self.type = type
        self.ref_id = ref_id
        self.params = params
        self.priority = priority
        self.status = status
        self.result = result
        self.created = created
        self.started = started
        self.locked_until = locked_until
        self.execute_until = execute_until
        self.completed = completed
        self.retries = retries
        self.max_retries = max_retries
        self.not_before = not_before
        self.timeout = timeout
        self.result_ttl = result_ttl
        self.callback_url = callback_url
        self.last_error = last_error
        self.remove_at = remove_at
        self.lease_token = lease_token
        self.unique_key = unique_key
        self.unique_until = unique_until
        self.unique_expires = unique_expires
        self.backoff = backoff
        self.depends_on = depends_on
        self.waiting_on = waiting_on
        self.batch_id = batch_id

    @property
    def is_finished(self) -> bool:
        return self.status in JobStatusV1.FINISHED
