import threading
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.errors import ConflictException

from ...common import time as t
from ...common.mongodb_persistence import MongoDbPersistence, date_ms
from ..data.version1 import JobStatusV1, JobV1
from .i_jobs_persistence import Change, IJobsPersistence
from .jobs_filter import parse_filter, to_query

_UNFINISHED = [JobStatusV1.Queued, JobStatusV1.Running]
_TAKE_ORDER = [('priority', 1), ('created_ms', 1)]


_ms = date_ms
_MODIFY_ATTEMPTS = 20


class JobsMongoDbPersistence(MongoDbPersistence, IJobsPersistence):
    """Queries stay within what the MongoDB-wire test servers serve: equality, $in, ranges, sorts and
    find_one_and_update; no null matches in a take (``not_before`` is never null).
    Every query and sort on a date uses its ``<field>_ms`` twin (see the base class)."""

    def __init__(self):
        super().__init__('jobs', JobV1)
        self._uniq_lock = threading.Lock()

    def _define_indexes(self):
        self._collection.create_index([('type', 1), ('status', 1), ('priority', 1), ('created_ms', 1)])
        self._collection.create_index([('status', 1), ('priority', 1), ('created_ms', 1)])
        self._collection.create_index([('status', 1), ('locked_until_ms', 1)])
        self._collection.create_index([('type', 1), ('ref_id', 1)])
        self._collection.create_index([('execute_until_ms', 1)])
        self._collection.create_index([('remove_at_ms', 1)])
        self._collection.create_index([('created_ms', 1)])

    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                           paging: Optional[PagingParams]) -> DataPage:
        conditions = [(f + '_ms', op, _ms(v)) if isinstance(v, datetime) else (f, op, v)
                      for f, op, v in parse_filter(filter)]
        return super().get_page_by_filter(correlation_id, to_query(conditions), paging,
                                          sort=[('created_ms', 1), ('_id', 1)])

    def create_uniq(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        # atomic within this process; two processes racing may both insert (no unique index can say
        # "unfinished only" on the test servers)
        with self._uniq_lock:
            doc = self._collection.find_one({'type': job.type, 'ref_id': job.ref_id, 'status': {'$in': _UNFINISHED}})
            return self._from_doc(doc) if doc is not None else self.create(correlation_id, job)

    def modify(self, correlation_id: Optional[str], id: str, change: Change) -> Optional[JobV1]:
        """Optimistic read-modify-write: the replace only lands if status, retries and lease are as
        read (every state change moves one of them); a lost race reads again."""
        for _ in range(_MODIFY_ATTEMPTS):
            current = self.get_one_by_id(correlation_id, id)
            new = change(current.clone() if current is not None else None)
            if new is None:
                return None
            if current is None:
                return self.create(correlation_id, new)
            guard = {'_id': id, 'status': current.status, 'retries': current.retries,
                     'locked_until_ms': {'$eq': _ms(current.locked_until)}}
            if self._collection.replace_one(guard, self._to_doc(new)).matched_count:
                return new
        raise ConflictException(correlation_id, 'JOB_BUSY', f'Job {id} kept changing; try again')

    def take(self, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float) -> Optional[JobV1]:
        query = {'status': JobStatusV1.Queued, 'not_before_ms': {'$lte': _ms(now)}}
        if type is not None:
            query['type'] = type
        locked_until = t.add_ms(now, timeout or default_timeout)
        update = {'$set': {'status': JobStatusV1.Running, 'started': now, 'started_ms': _ms(now),
                           'locked_until': locked_until, 'locked_until_ms': _ms(locked_until)},
                  '$inc': {'retries': 1}}
        job = self.find_one_and_update(correlation_id, query, update, sort=_TAKE_ORDER)
        if job is not None and not timeout and job.timeout and job.timeout != default_timeout:
            # the job asked for its own lease: it is ours already, so a second write is safe
            job.locked_until = t.add_ms(now, job.timeout)
            self._collection.update_one({'_id': job.id, 'retries': job.retries},
                                        {'$set': {'locked_until': job.locked_until,
                                                  'locked_until_ms': _ms(job.locked_until)}})
        return job

    def get_expired_lease_ids(self, correlation_id: Optional[str], now: datetime, limit: int) -> List[str]:
        cursor = self._collection.find({'status': JobStatusV1.Running, 'locked_until_ms': {'$lte': _ms(now)}},
                                       {'_id': 1}).limit(limit)
        return [doc['_id'] for doc in cursor]

    def delete_all(self, correlation_id: Optional[str]) -> None:
        self._collection.delete_many({})

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        deleted = self.delete_by_filter(correlation_id, {'status': {'$in': _UNFINISHED},
                                                         'execute_until_ms': {'$lte': _ms(now)}})
        return deleted + self.delete_by_filter(correlation_id, {'remove_at_ms': {'$lte': _ms(now)}})
