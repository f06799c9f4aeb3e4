from datetime import datetime
from typing import Any, Optional

from service_background.common.data.data_object import DataObjectV1
from service_background.jobs.data.version1.job_status_v1 import JobStatusV1


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
    without a new query condition), ``batch_id`` (the batch made by add_batch).

    ``idempotency_key``: the key the job was added with; a later add with that key answers this job
    (persistence/idempotency_keys.py)."""

    # what every job has is a slot; what few jobs or only finished ones have lives in one dict, absent
    # while all of it is None: a queued job costs ~110 bytes, not ~260 (RSS per queued job)
    __slots__ = ('id', 'type', 'params', 'priority', 'status', 'created', 'not_before', 'retries', 'max_retries',
                 '_x')
    _sparse_fields = ('ref_id', 'result', 'started', 'locked_until', 'execute_until', 'completed', 'timeout',
                      'result_ttl', 'callback_url', 'last_error', 'remove_at', 'lease_token', 'unique_key',
                      'unique_until', 'unique_expires', 'backoff', 'depends_on', 'waiting_on', 'batch_id',
                      'idempotency_key')

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
                 waiting_on: Optional[list] = None, batch_id: Optional[str] = None,
                 idempotency_key: Optional[str] = None):
        self.id = id
        self.type = type
        self.params = params
        self.priority = priority
        self.status = status
        self.created = created
        self.not_before = not_before
        self.retries = retries
        self.max_retries = max_retries
        if ref_id is None and result is None and started is None and locked_until is None and execute_until is None \
                and completed is None and timeout is None and result_ttl is None and callback_url is None \
                and last_error is None and remove_at is None and lease_token is None and unique_key is None \
                and unique_until is None and unique_expires is None and backoff is None and depends_on is None \
                and waiting_on is None and batch_id is None and idempotency_key is None:
            self._x = None  # most new jobs: no dict of pairs to build and drop
            return
        x = {name: value for name, value in (
            ('ref_id', ref_id), ('result', result), ('started', started), ('locked_until', locked_until),
            ('execute_until', execute_until), ('completed', completed), ('timeout', timeout),
            ('result_ttl', result_ttl), ('callback_url', callback_url), ('last_error', last_error),
            ('remove_at', remove_at), ('lease_token', lease_token), ('unique_key', unique_key),
            ('unique_until', unique_until), ('unique_expires', unique_expires), ('backoff', backoff),
            ('depends_on', depends_on), ('waiting_on', waiting_on), ('batch_id', batch_id),
            ('idempotency_key', idempotency_key)) if value is not None}
        self._x = x or None

    @property
    def is_finished(self) -> bool:
        return self.status in JobStatusV1.FINISHED
