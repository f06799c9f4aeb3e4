"""The jobs store in MongoDB, shared by every process: atomic takes, guarded replaces and a
cross-process queue signal."""
import threading
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.errors import ConflictException
from pymongo import ReplaceOne
from pymongo.errors import DuplicateKeyError, OperationFailure

from service_background.common.data import clock
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence, TwinCollection, date_ms
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1.idempotency_key_v1 import IdempotencyKeyV1
from service_background.jobs.data.version1.job_transitions import WAITING
from service_background.jobs.persistence.callback_outbox_store import CallbackOutboxMongoStore
from service_background.jobs.persistence.i_jobs_persistence import Change, IJobsPersistence
from service_background.jobs.persistence.idempotency_keys import (
    DEFAULT_TTL_MS,
    IDEM_FIELD,
    IdempotencyKeysMongoStore,
    configured_ttl,
)
from service_background.jobs.persistence.jobs_filter import parse_filter, to_query
from service_background.jobs.persistence.jobs_mongodb_groups import JobsMongoDbGroups
from service_background.jobs.persistence.jobs_mongodb_keys import JobsMongoDbKeys
from service_background.jobs.persistence.jobs_mongodb_signals import JobsQueueSignals
from service_background.jobs.persistence.jobs_mongodb_takes import TAKE_ORDER, JobsMongoDbTakes
from service_background.jobs.persistence.queue_limit_mongodb_gate import QueueLimitMongoDbGate
from service_background.jobs.persistence.unique_locks import job_lock_key, keeps_lock, lock_holds

_UNFINISHED = [JobStatusV1.Queued, JobStatusV1.Running]
_ms = date_ms
_MODIFY_ATTEMPTS = 20
# add_uniq_job's key: present on a job made by add_uniq_job only while it is unfinished, under a
# unique sparse index, so two processes racing to add the same (type, ref_id) make one job
UNIQ_FIELD = 'uniq_key'
_UNIQ_ATTEMPTS = 20

WAITING_COUNT = 'waiting_n'  # a waiting child's parents left, the guard of its writes


class JobsMongoDbPersistence(MongoDbPersistence, IJobsPersistence):
    """Queries stay within what the MongoDB-wire test servers serve: equality, $in, ranges, sorts and
    find_one_and_update; no null matches in a take (``not_before`` is never null).
    Every query and sort on a date uses its ``<field>_ms`` twin (see the base class).

    Fenced leases: a take sets a fresh ``lease_token`` in its find_one_and_update; every guarded
    replace (modify, modify_many: finish, extend, abort, the lease sweeper) matches status, retries,
    lease end and, when there is one, the token, so a change decided on a lease that is gone lands
    nowhere. Uniq jobs: see ``UNIQ_FIELD``; the key rides along every replace while the job is
    unfinished and is dropped by the one that finishes it. Idempotency keys: jobs_mongodb_keys.py; group
    turns, limits and counts: jobs_mongodb_groups.py. The guard holds ``waiting_on`` too, so two parents
    released at once on two processes never both land on a child's old list (atomic fan-in)."""

    def __init__(self):
        super().__init__('jobs', JobV1)
        self._signals = JobsQueueSignals(self._logger)
        self._gate_lock = threading.Lock()
        self._due_checked_ms: Optional[int] = None
        self._limit_gate: Optional[QueueLimitMongoDbGate] = None
        self._keys: Optional[JobsMongoDbKeys] = None  # idempotency keys (open)
        self._groups: Optional[JobsMongoDbGroups] = None  # fair queues (open)
        self._takes: Optional[JobsMongoDbTakes] = None  # (open)
        self._group_limits: Dict[str, int] = {}
        self._idem_ttl = DEFAULT_TTL_MS

    def configure(self, config):
        super().configure(config)
        self._idem_ttl = configured_ttl(config)

    def open(self, correlation_id: Optional[str]):
        super().open(correlation_id)
        self._signals.open(self._collection.database[self._collection_name + '_signals'])
        keys = TwinCollection(self._db.get_collection(self._collection_name + '_keys'),
                              IdempotencyKeyV1.date_fields(), self._connection)
        self._keys = JobsMongoDbKeys(self._collection, IdempotencyKeysMongoStore(keys), self._idem_ttl, self._from_doc)
        groups = TwinCollection(self._db.get_collection(self._collection_name + '_groups'), frozenset(),
                                self._connection)
        self._groups = JobsMongoDbGroups(self._collection, groups)
        self._groups.set_limits(self._group_limits)
        self._takes = JobsMongoDbTakes(self._collection, self._groups, self._from_doc, UNIQ_FIELD, self.bump_signal)

    def close(self, correlation_id: Optional[str]):
        super().close(correlation_id)
        self._signals.close()

    def callback_outbox_store(self) -> CallbackOutboxMongoStore:
        """Pending callbacks in ``<collection>_outbox`` of the jobs database (callback_outbox_store.py)."""
        return CallbackOutboxMongoStore(self._collection.database[self._collection_name + '_outbox'])

    # --- the cross-process queue signal (jobs_mongodb_signals.py) ------------------------------------
    def _bump_signals(self, jobs: List[JobV1]):
        self._signals.bump_jobs(jobs)

    def bump_signal(self, type: str, n: int = 1):
        """Bumps the type's signal without a job (queue limits: a slot freed), so waiters of other
        processes try a take again."""
        self._signals.bump(type, n)

    def read_queue_signals(self) -> Dict[str, int]:
        """Every type's signal counter (one cheap query: a document per type)."""
        return self._signals.read()

    def foreign_signals(self, type: str, delta: int) -> int:
        """How many of ``delta`` new increments of ``type`` came from other processes."""
        return self._signals.foreign(type, delta)

    def pop_due_counts(self, correlation_id: Optional[str], now: datetime) -> Dict[str, int]:
        """Queued jobs per type whose not_before fell in (last call, now]: one query per tick for the
        whole process, so delayed jobs wake their waiters without a query per waiter."""
        now_ms = _ms(now)
        since, self._due_checked_ms = self._due_checked_ms, now_ms
        if since is None:
            return {}
        counts: Dict[str, int] = {}
        query = {'status': JobStatusV1.Queued, 'not_before_ms': {'$gt': since, '$lte': now_ms}}
        for doc in self._collection.find(query, {'type': 1}).limit(10000):
            counts[doc['type']] = counts.get(doc['type'], 0) + 1
        return counts

    def create(self, correlation_id: Optional[str], item) -> JobV1:
        item = self._with_id(item)
        self._groups.assign_turns([item])
        job = super().create(correlation_id, item)
        self._bump_signals([job])
        return job

    def create_many(self, correlation_id: Optional[str], items: List[JobV1]) -> List[JobV1]:
        items = [self._with_id(item) for item in items]
        self._groups.assign_turns(items)
        jobs = super().create_many(correlation_id, items)
        self._bump_signals(jobs)
        return jobs

    def _define_indexes(self):
        for old in ('type_1_status_1_priority_1_created_ms_1', 'status_1_priority_1_created_ms_1'):
            try:  # the take indexes before group turns
                self._collection.drop_index(old)
            except OperationFailure:
                pass
        self._collection.create_index([('type', 1), ('status', 1)] + TAKE_ORDER)
        self._collection.create_index([('status', 1)] + TAKE_ORDER)
        self._collection.create_index([('type', 1), ('status', 1), ('group_key', 1)])  # running jobs by group
        self._collection.create_index([('status', 1), ('locked_until_ms', 1)])
        self._collection.create_index([('type', 1), ('ref_id', 1)])
        self._collection.create_index([('execute_until_ms', 1)])
        self._collection.create_index([('remove_at_ms', 1)])
        self._collection.create_index([('created_ms', 1)])
        self._collection.create_index([(UNIQ_FIELD, 1)], unique=True, sparse=True)
        self._collection.create_index([('waiting_on', 1)])  # children by parent
        self._collection.create_index([('batch_id', 1), ('status', 1)])
        self._collection.create_index([(IDEM_FIELD, 1)], unique=True, sparse=True)

    def _to_doc(self, item: JobV1) -> dict:
        doc = JobsMongoDbKeys.add_key_field(super()._to_doc(item), item)
        if item.waiting_on:
            doc[WAITING_COUNT] = len(item.waiting_on)
        return doc

    def create_idempotent(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        """Insert-or-find on the key's unique index (jobs_mongodb_keys.py)."""
        return self._keys.create_idempotent(correlation_id, job, now, lambda job: self.create_unless_key_locked(
            correlation_id, job, now) if job.unique_key is not None else self.create(correlation_id, job))

    def delete_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobV1]:
        self._keys.keep_key_of(id, clock.now())  # its key's record is written before the job goes
        return super().delete_by_id(correlation_id, id)

    def _to_doc_keeping(self, job: JobV1, stored: Optional[dict]) -> dict:
        """The document for ``job`` replacing ``stored``: the uniq key stays while the job keeps its
        lock (unique_locks.py; a job of add_uniq_job made before unique lifetimes has no unique_until: while
        unfinished)."""
        doc = self._to_doc(job)
        if stored is not None and stored.get(UNIQ_FIELD) is not None and (
                keeps_lock(job) if job.unique_key is not None else job.status in _UNFINISHED):
            doc[UNIQ_FIELD] = stored[UNIQ_FIELD]
        return doc

    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                           paging: Optional[PagingParams]) -> DataPage:
        conditions = [(f + '_ms', op, _ms(v)) if isinstance(v, datetime) else (f, op, v)
                      for f, op, v in parse_filter(filter)]
        return super().get_page_by_filter(correlation_id, to_query(conditions), paging,
                                          sort=[('created_ms', 1), ('_id', 1)])

    def create_unless_ref_id_unfinished(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        """An unfinished job of (type, ref_id) if there is one, else ``job`` inserted with its lock
        (``create_unless_key_locked``)."""
        doc = self._collection.find_one({'type': job.type, 'ref_id': job.ref_id, 'status': {'$in': _UNFINISHED}})
        if doc is not None:
            return self._from_doc(doc)
        if job.unique_key is None:
            job.unique_key, job.unique_until = job.ref_id, 'finished'
        return self.create_unless_key_locked(correlation_id, job, clock.now())

    def create_unless_key_locked(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        """``job`` inserted with its lock key in ``UNIQ_FIELD``: the unique index lets one insert win
        across processes; a loser returns the holder, or, when the holder's lock has ended (a ttl that
        ran out; a started or finished holder whose field a crash left behind), unsets the holder's
        field in a replace guarded on the state it judged and tries again."""
        key = job_lock_key(job)
        job = self._with_id(job)
        self._groups.assign_turns([job])
        for _ in range(_UNIQ_ATTEMPTS):
            item = self._with_id(job)
            doc = self._to_doc(item)
            doc[UNIQ_FIELD] = key
            try:
                self._collection.insert_one(doc)
            except DuplicateKeyError:
                if job.idempotency_key is not None and self._keys.live_keyed(job.idempotency_key):
                    raise  # the idempotency key is taken (create_idempotent), not the lock
                holder_doc = self._collection.find_one({UNIQ_FIELD: key})
                if holder_doc is None:
                    if self._collection.find_one({'_id': item.id}, {'_id': 1}) is not None:
                        raise  # the id is taken, not the key
                    continue  # the holder let go meanwhile: try again
                holder = self._from_doc(holder_doc)
                if holder.unique_key is None and holder.status in _UNFINISHED:
                    return holder  # add_uniq_job's lock from before unique lifetimes: held while unfinished
                if lock_holds(holder, now):
                    return holder
                self._collection.update_one(
                    {'_id': holder.id, UNIQ_FIELD: key, 'status': holder.status, 'retries': holder.retries},
                    {'$unset': {UNIQ_FIELD: ''}})
                continue
            self._bump_signals([item])
            return item
        raise ConflictException(correlation_id, 'JOB_BUSY', f'Unique job {job.type}/{job.unique_key} kept changing')

    def modify(self, correlation_id: Optional[str], id: str, change: Change) -> Optional[JobV1]:
        """Optimistic read-modify-write: the replace only lands if status, retries and lease are as
        read (every state change moves one of them); a lost race reads again."""
        for _ in range(_MODIFY_ATTEMPTS):
            stored = self._collection.find_one({'_id': id})
            current = self._from_doc(stored)
            new = change(current.clone() if current is not None else None)
            if new is None:
                return None
            if current is None:
                return self.create(correlation_id, new)
            guard, doc = self._guard(current, stored), self._to_doc_keeping(new, stored)
            if self._collection.replace_one(guard, doc).matched_count:
                if new.status == JobStatusV1.Queued and current.status != JobStatusV1.Queued:
                    self._bump_signals([new])
                return new
        raise ConflictException(correlation_id, 'JOB_BUSY', f'Job {id} kept changing; try again')

    @staticmethod
    def _guard(current: JobV1, stored: dict) -> dict:
        # a waiting child: its count of parents left, which every change of a fan-in shrinks (a scalar: a
        # list match would make the MongoDB-wire test server scan the collection)
        guard = {'_id': current.id, 'status': current.status, 'retries': current.retries,
                 'locked_until_ms': {'$eq': _ms(current.locked_until)}}
        if stored.get(WAITING_COUNT) is not None:
            guard[WAITING_COUNT] = stored[WAITING_COUNT]
        if current.lease_token is not None:
            guard['lease_token'] = current.lease_token
        return guard

    @staticmethod
    def _same_state(doc: dict, job: JobV1) -> bool:
        return (doc.get('status'), doc.get('retries'), doc.get('locked_until_ms'), doc.get('completed_ms'),
                doc.get('waiting_on')) == (job.status, job.retries, _ms(job.locked_until), _ms(job.completed),
                                           job.waiting_on)

    def modify_many(self, correlation_id: Optional[str], ids: List[str], change: Change) -> List[Optional[JobV1]]:
        """One find of every id and one bulk_write of guarded replaces; an id whose guard missed (it
        changed meanwhile) or that is new goes through ``modify`` on its own."""
        docs = {doc['_id']: doc for doc in self._collection.find({'_id': {'$in': list(set(ids))}})}
        result: List[Optional[JobV1]] = [None] * len(ids)
        planned = []  # (index, current, new)
        retry = []
        seen = set()
        for index, id in enumerate(ids):
            if id in seen or id not in docs:
                retry.append(index)  # duplicates see the first one's write; unknown ids: change(None)
                continue
            seen.add(id)
            current = self._from_doc(docs[id])
            new = change(current.clone())
            if new is not None:
                planned.append((index, current, new))
        if planned:
            ops = [ReplaceOne(self._guard(current, docs[current.id]),
                              self._to_doc_keeping(new, docs[current.id]))
                   for _, current, new in planned]
            matched = self._collection.bulk_write(ops, ordered=False).matched_count
            if matched == len(planned):
                for index, _, new in planned:
                    result[index] = new
            else:
                # some guard missed: find which of ours landed (the stored doc is ours) and redo the rest
                stored = {doc['_id']: doc for doc in
                          self._collection.find({'_id': {'$in': [new.id for _, _, new in planned]}})}
                for index, _, new in planned:
                    doc = stored.get(new.id)
                    if doc is not None and self._same_state(doc, new):
                        result[index] = new
                    else:
                        retry.append(index)
            self._bump_signals([new for index, current, new in planned if result[index] is not None
                                and new.status == JobStatusV1.Queued and current.status != JobStatusV1.Queued])
        for index in sorted(retry):
            result[index] = self.modify(correlation_id, ids[index], change)
        return result

    def take_many(self, correlation_id: Optional[str], type: str, now: datetime, timeout: Optional[float],
                  default_timeout: float, limit: int, worker_id: Optional[str] = None) -> List[JobV1]:
        return self._takes.take_many(type, now, timeout, default_timeout, limit, worker_id)

    def take(self, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None) -> Optional[JobV1]:
        jobs = self._takes.take_many(type, now, timeout, default_timeout, 1, worker_id)
        return jobs[0] if jobs else None

    def queued_types(self, now: datetime) -> List[str]:
        return list(self._collection.distinct('type', {'status': JobStatusV1.Queued}))

    def unfinished_jobs(self) -> List[JobV1]:
        return self._docs(self._collection.find({'status': {'$in': _UNFINISHED}}))

    def limit_gate(self) -> QueueLimitMongoDbGate:
        with self._gate_lock:
            if self._limit_gate is None:
                self._limit_gate = QueueLimitMongoDbGate(self._collection.database, self._collection_name,
                                                         self.bump_signal)
            return self._limit_gate

    def get_cancel_requested_ids(self, correlation_id: Optional[str], ids: List[str]) -> List[str]:
        query = {'_id': {'$in': list(ids)}, '$or': [{'cancel_requested': True}, {'status': JobStatusV1.Cancelled}]}
        return [doc['_id'] for doc in self._collection.find(query, {'_id': 1})] if ids else []

    def get_waiting_children(self, correlation_id: Optional[str], parent_id: str) -> List[str]:
        # $in, not equality: nx-27017 matches an element of an indexed array field only so
        query = {'waiting_on': {'$in': [parent_id]}, 'status': JobStatusV1.Queued}
        return [doc['_id'] for doc in self._collection.find(query, {'_id': 1})]

    def get_waiting_children_many(self, correlation_id: Optional[str], parent_ids: List[str]) -> Dict[str, List[str]]:
        children: Dict[str, List[str]] = {id: [] for id in parent_ids}
        query = {'waiting_on': {'$in': list(children)}, 'status': JobStatusV1.Queued}
        for doc in self._collection.find(query, {'_id': 1, 'waiting_on': 1}):
            for parent_id in doc.get('waiting_on') or ():
                if parent_id in children:
                    children[parent_id].append(doc['_id'])
        return children

    def get_waiting_jobs(self, correlation_id: Optional[str], limit: int) -> List[JobV1]:
        """Queued children still waiting on parents (``not_before`` is the far-future WAITING mark)."""
        query = {'status': JobStatusV1.Queued, 'not_before_ms': {'$gte': _ms(WAITING)}}
        return [self._from_doc(doc) for doc in self._collection.find(query).limit(limit)]

    def batch_has_unfinished(self, correlation_id: Optional[str], batch_id: str) -> bool:
        return self._collection.find_one({'batch_id': batch_id, 'status': {'$in': _UNFINISHED}}, {'_id': 1}) is not None

    def batch_counts(self, correlation_id: Optional[str], batch_id: str) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for doc in self._collection.find({'batch_id': batch_id}, {'status': 1}):
            counts[doc['status']] = counts.get(doc['status'], 0) + 1
        return counts

    def get_expired_lease_ids(self, correlation_id: Optional[str], now: datetime, limit: int) -> List[str]:
        cursor = self._collection.find({'status': JobStatusV1.Running, 'locked_until_ms': {'$lte': _ms(now)}},
                                       {'_id': 1}).limit(limit)
        return [doc['_id'] for doc in cursor]

    def get_expired_leases(self, correlation_id: Optional[str], now: datetime,
                           limit: int) -> List[Tuple[str, Optional[str]]]:
        cursor = self._collection.find({'status': JobStatusV1.Running, 'locked_until_ms': {'$lte': _ms(now)}},
                                       {'_id': 1, 'lease_token': 1}).limit(limit)
        return [(doc['_id'], doc.get('lease_token')) for doc in cursor]

    def delete_all(self, correlation_id: Optional[str]) -> None:
        self._collection.delete_many({})
        self._keys.clear()
        self._groups.clear()

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        deleted = 0
        for query in ({'status': {'$in': _UNFINISHED}, 'execute_until_ms': {'$lte': _ms(now)}},
                      {'remove_at_ms': {'$lte': _ms(now)}}):
            self._keys.keep_keys(query, now)  # the keys of young keyed jobs outlive them
            deleted += self.delete_by_filter(correlation_id, query)
        self._keys.delete_expired(now)
        return deleted

    # --- fair queues (jobs_mongodb_groups.py) ------------------------------------------------------
    def set_group_limits(self, limits: Dict[str, int]) -> None:
        self._group_limits = dict(limits)
        if self._groups is not None:
            self._groups.set_limits(limits)

    def get_group_counts(self, correlation_id: Optional[str], type: str, limit: int = 100) -> List[dict]:
        return self._groups.counts(type, limit)
