"""The jobs store in a dict with indexes for the take, leases, expiry, uniqueness and dependencies (one process)."""
from datetime import datetime
from typing import Dict, List, Optional, Set, Tuple

from pip_services3_commons.data import DataPage, FilterParams, IdGenerator, PagingParams

from service_background.common.data import clock
from service_background.common.data.data_object import PackedJson, pack_json, unpack_json
from service_background.common.persistence.file_journal import FileJournal
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.jobs.data.version1 import JobStatusV1, JobV1, job_transitions
from service_background.jobs.persistence.callback_outbox_store import CallbackOutboxMemoryStore
from service_background.jobs.persistence.i_jobs_persistence import IJobsPersistence
from service_background.jobs.persistence.idempotency_keys import (
    DEFAULT_TTL_MS,
    IdempotencyKeysMemoryStore,
    configured_ttl,
    record_of,
)
from service_background.jobs.persistence.job_groups_index import JobGroupsIndex
from service_background.jobs.persistence.job_queue_index import JobQueueIndex
from service_background.jobs.persistence.jobs_filter import parse_filter, to_predicate
from service_background.jobs.persistence.queue_limit_memory_gate import QueueLimitMemoryGate
from service_background.jobs.persistence.stamp_heap import StampHeap
from service_background.jobs.persistence.unique_locks import job_lock_key, keeps_lock, lock_holds

_UNFINISHED = (JobStatusV1.Queued, JobStatusV1.Running)
_QUEUED, _RUNNING = JobStatusV1.Queued, JobStatusV1.Running
_NO_FIELDS: dict = {}


def _expired(job: JobV1, now: datetime) -> bool:
    if job.status in _UNFINISHED:
        return job.execute_until is not None and job.execute_until <= now
    return job.remove_at is not None and job.remove_at <= now


class JobsMemoryPersistence(MemoryPersistence, IJobsPersistence):
    """Jobs in a dict with indexes kept by the save/delete hooks under the store's lock: the queue
    heaps (take without a scan), leases by end (expiry without a scan), jobs by the time the cleaner
    removes them (execute_until while unfinished, remove_at once finished: a clean costs what it
    removes, not a walk over every job), unfinished jobs by (type, ref_id) for add_uniq_job (its
    check and insert are one step under the lock) and the fair queues' groups (job_groups_index.py)."""

    def __init__(self):
        super().__init__(JobV1)
        self._queue = JobQueueIndex()
        self._leases = StampHeap()  # running job id -> its lease's end
        self._expiry = StampHeap()  # job id -> when the cleaner removes it
        self._by_ref: Dict[Tuple[str, str], Set[str]] = {}
        self._uniq: Dict[str, str] = {}  # unique lock key -> the id of the job holding it (unique_locks.py)
        self._running: Dict[str, int] = {}  # running jobs per type (queue limits)
        self._children: Dict[str, Set[str]] = {}  # parent id -> ids of children waiting on it
        self._batch_open: Dict[str, int] = {}  # batch id -> its unfinished jobs
        self._idem: Dict[str, str] = {}  # idempotency key -> the id of the live job it names
        self._gone_keys: Optional[IdempotencyKeysMemoryStore] = None  # keys of deleted jobs (open)
        self._idem_ttl = DEFAULT_TTL_MS
        self._limit_gate: Optional[QueueLimitMemoryGate] = None
        self._groups = JobGroupsIndex(self._queue, lambda id: self._items[id])

    # --- lifecycle --------------------------------------------------------------------------
    def configure(self, config):
        super().configure(config)
        self._idem_ttl = configured_ttl(config)

    def open(self, correlation_id: Optional[str]):
        if self._gone_keys is None:  # file: its own journal beside the jobs file, as the outbox
            self._gone_keys = IdempotencyKeysMemoryStore(self._companion_journal('keys'))
        self._gone_keys.open(correlation_id)
        super().open(correlation_id)

    def _companion_journal(self, name: str) -> Optional[FileJournal]:
        """The journal of a companion store (the file persistence's, beside the jobs file); memory: none."""
        return None

    def close(self, correlation_id: Optional[str]):
        super().close(correlation_id)
        if self._gone_keys is not None:
            self._gone_keys.close(correlation_id)

    # --- index hooks ------------------------------------------------------------------------
    def _on_loaded(self):
        self._queue.clear()
        self._leases = StampHeap()
        self._expiry = StampHeap()
        self._by_ref = {}
        self._uniq = {}
        self._running = {}
        self._children = {}
        self._batch_open = {}
        self._idem = {}
        self._groups.clear()
        now = clock.now()
        for job in sorted(self._items.values(), key=lambda j: (j.created or now)):
            self._pack(job)
            self._index(None, job, now)

    def _on_saved(self, old: Optional[JobV1], new: JobV1):
        self._pack(new)
        self._index(old, new, None)

    @staticmethod
    def _pack(job: JobV1):
        """params and result held as compact JSON text (RSS per queued job); a clone made to
        be stored again shares it, a copy for a caller (``_out``) unpacks it."""
        job.params = pack_json(job.params)
        x = job.sparse_values  # result is sparse: set in its dict, not through the property, and only when present
        if x is not None and 'result' in x:
            x['result'] = pack_json(x['result'])

    def _out(self, job: JobV1) -> JobV1:
        job = job.clone()
        if job.params.__class__ is PackedJson:
            job.params = unpack_json(job.params)
        x = job.sparse_values
        if x is not None and x.get('result').__class__ is PackedJson:
            x['result'] = unpack_json(x['result'])
        return job

    def _on_deleted(self, old: JobV1):
        # the cleaner removes every finished job: indexes the job cannot be in are skipped
        status, x = old.status, old.sparse_values or _NO_FIELDS
        if status == _QUEUED:
            self._queue.remove(old.id)
        elif status == _RUNNING:
            self._leases.discard(old.id)
            self._count_running(old.type, -1)
        self._expiry.discard(old.id)
        if 'ref_id' in x:
            self._unref(old)
        if 'unique_key' in x:
            self._unlock(old)
        if 'waiting_on' in x:
            self._index_children(old, None)
        if 'batch_id' in x and status in _UNFINISHED:
            self._count_batch(x['batch_id'], -1)
        if 'idempotency_key' in x:
            self._forget_key(old)
        if old.group_key is not None:
            self._groups.changed(old, status, None)

    def _forget_key(self, job: JobV1):
        """The key of a deleted job: its record is kept until the key's time is over."""
        record = record_of(job, clock.now(), self._idem_ttl)
        if record is not None:
            self._gone_keys.put(record)
        if self._idem.get(job.idempotency_key) == job.id:
            del self._idem[job.idempotency_key]

    def _index_children(self, old: Optional[JobV1], new: Optional[JobV1]):
        before = old.waiting_on if old is not None and old.status == JobStatusV1.Queued else None
        after = new.waiting_on if new is not None and new.status == JobStatusV1.Queued else None
        if before == after:
            return
        child_id = (new or old).id
        for parent_id in before or ():
            children = self._children.get(parent_id)
            if children is not None:
                children.discard(child_id)
                if not children:
                    del self._children[parent_id]
        for parent_id in after or ():
            self._children.setdefault(parent_id, set()).add(child_id)

    def _count_batch(self, batch_id: str, delta: int):
        count = self._batch_open.get(batch_id, 0) + delta
        if count > 0:
            self._batch_open[batch_id] = count
        else:
            self._batch_open.pop(batch_id, None)

    def _unlock(self, job: JobV1):
        key = job_lock_key(job)
        if key is not None and self._uniq.get(key) == job.id:
            del self._uniq[key]

    def _count_running(self, type: str, delta: int):
        count = self._running.get(type, 0) + delta
        if count > 0:
            self._running[type] = count
        else:
            self._running.pop(type, None)

    def running_count(self, type: str) -> int:
        """Running jobs of the type (call under the lock for a count that a take then relies on)."""
        return self._running.get(type, 0)

    @property
    def index_sizes(self) -> Dict[str, int]:
        """Entries the indexes hold, stale ones included (tests: O(live jobs))."""
        with self._lock:
            return {'queue': self._queue.entry_count, 'leases': self._leases.entry_count,
                    'lease_live': len(self._leases), 'expiry': self._expiry.entry_count,
                    'by_ref': len(self._by_ref)}

    def _index(self, old: Optional[JobV1], new: JobV1, now: Optional[datetime]):
        # runs on every write: the sparse fields are read from the jobs' ``sparse_values`` dicts once, not through
        # a property each, and an index is touched only when the job enters or leaves it
        status = new.status
        x = new.sparse_values or _NO_FIELDS
        old_status, ox = (old.status, old.sparse_values or _NO_FIELDS) if old is not None else (None, _NO_FIELDS)
        if status == _QUEUED:
            if old_status != _QUEUED or old.priority != new.priority or old.not_before != new.not_before:
                self._queue.add(new, now or clock.now())
        elif old_status == _QUEUED or old is None:
            self._queue.remove(new.id)  # a take popped it already: then this finds nothing
        locked_until = x.get('locked_until')
        if status == _RUNNING and locked_until is not None:
            if old_status != _RUNNING or ox.get('locked_until') != locked_until:
                self._leases.set(new.id, locked_until.timestamp())
        elif old_status == _RUNNING or old is None:
            self._leases.discard(new.id)
        expires = x.get('execute_until') if status in _UNFINISHED else x.get('remove_at')
        if expires is not None:
            self._expiry.set(new.id, expires.timestamp())
        elif old is not None:
            self._expiry.discard(new.id)
        if 'waiting_on' in x or 'waiting_on' in ox:
            self._index_children(old, new)
        batch_id = x.get('batch_id')
        if batch_id is not None:
            was_open = old_status in _UNFINISHED
            if was_open != (status in _UNFINISHED):
                self._count_batch(batch_id, -1 if was_open else 1)
        was_running = old_status == _RUNNING
        if was_running != (status == _RUNNING):
            self._count_running(new.type, -1 if was_running else 1)
        if new.group_key is not None:
            self._groups.changed(new, old_status, status)
        if 'unique_key' in x:
            if keeps_lock(new):
                if old is None:
                    self._uniq[job_lock_key(new)] = new.id  # a new holder (the create checked the old one)
            else:
                self._unlock(new)
        if old is None and 'idempotency_key' in x:
            self._idem[x['idempotency_key']] = new.id  # create_idempotent checked the key first
        if 'ref_id' in x and status in _UNFINISHED:
            self._by_ref.setdefault((new.type, x['ref_id']), set()).add(new.id)
        elif 'ref_id' in ox:
            self._unref(old)

    def _unref(self, job: JobV1):
        if job.ref_id is None:
            return
        ids = self._by_ref.get((job.type, job.ref_id))
        if ids is not None:
            ids.discard(job.id)
            if not ids:
                del self._by_ref[(job.type, job.ref_id)]

    def callback_outbox_store(self):
        """The pending callbacks' store (callback_outbox_store.py): a dict here, journaled beside the
        jobs file for the file persistence."""
        return CallbackOutboxMemoryStore(self._companion_journal('outbox'))

    # --- reads ------------------------------------------------------------------------------
    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                           paging: Optional[PagingParams]) -> DataPage:
        return super().get_page_by_filter(correlation_id, to_predicate(parse_filter(filter)), paging,
                                          sort=lambda job: (job.created, job.id))

    # --- writes -----------------------------------------------------------------------------
    def create_unless_ref_id_unfinished(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        # the check and the insert under one lock: atomic for every caller of this process (a file
        # store has one process by design)
        with self._lock:
            for id in self._by_ref.get((job.type, job.ref_id), ()):
                return self._out(self._items[id])
            if job.unique_key is None:
                job.unique_key, job.unique_until = job.ref_id, 'finished'
            return self.create_unless_key_locked(correlation_id, job, clock.now())

    def create_unless_key_locked(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        with self._lock:  # check and insert in one step
            holder_id = self._uniq.get(job_lock_key(job))
            holder = self._items.get(holder_id) if holder_id is not None else None
            if lock_holds(holder, now):
                return self._out(holder)
            if holder_id is not None:
                del self._uniq[job_lock_key(job)]  # a ttl lock that ran out: the new job holds the key
            return self.create(correlation_id, job)

    def create_idempotent(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        with self._lock:  # the look-up and the insert in one step
            id = self._idem.get(job.idempotency_key)
            found = self._out(self._items[id]) if id is not None else self._gone_keys.get(job.idempotency_key, now)
            if found is not None:
                return found
            return self.create_unless_key_locked(correlation_id, job, now) if job.unique_key is not None else \
                self.create(correlation_id, job)

    def create(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        if job.group_key is None or job.group_turn is not None:
            return super().create(correlation_id, job)
        job = job.clone()  # as the base's create, with the turn set on its one copy
        job.id = job.id if job.id is not None else IdGenerator.next_long()
        with self._lock:  # the turn and the insert in one step (every create path comes here)
            job.group_turn = self._groups.next_turn(job.type, job.group_key)
            return self._store(job)

    def take(self, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None) -> Optional[JobV1]:
        with self._lock:
            id = self._queue.pop(type, now, self._groups.park)
            if id is None:
                return None
            job = self._items[id].clone()
            return self._store(job_transitions.claim(job, now, timeout or job.timeout or default_timeout,
                                                     None, worker_id))

    def take_many(self, correlation_id: Optional[str], type: str, now: datetime, timeout: Optional[float],
                  default_timeout: float, limit: int, worker_id: Optional[str] = None) -> List[JobV1]:
        with self.batch():  # one lock hold; file: one journal group
            return job_transitions.take_repeatedly(
                lambda: self.take(correlation_id, type, now, timeout, default_timeout, worker_id), limit)

    def queued_types(self, now: datetime) -> List[str]:
        with self._lock:
            return self._queue.types_by_head(now, self._groups.park)

    def unfinished_jobs(self) -> List[JobV1]:
        """Copies for reading their state: params and result may stay packed."""
        with self._lock:
            return [job.clone() for job in self._items.values() if job.status in _UNFINISHED]

    def limit_gate(self) -> QueueLimitMemoryGate:
        with self._lock:
            if self._limit_gate is None:
                self._limit_gate = QueueLimitMemoryGate(lambda: self._lock, self.running_count)
            return self._limit_gate

    def get_waiting_children(self, correlation_id: Optional[str], parent_id: str) -> List[str]:
        with self._lock:
            return list(self._children.get(parent_id, ()))

    def get_waiting_jobs(self, correlation_id: Optional[str], limit: int) -> List[JobV1]:
        with self._lock:
            ids = {id for children in self._children.values() for id in children}
            return [self._out(self._items[id]) for id in list(ids)[:limit] if id in self._items]

    def batch_has_unfinished(self, correlation_id: Optional[str], batch_id: str) -> bool:
        with self._lock:
            return self._batch_open.get(batch_id, 0) > 0

    def batch_counts(self, correlation_id: Optional[str], batch_id: str) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        with self._lock:
            for job in self._items.values():
                if job.batch_id == batch_id:
                    counts[job.status] = counts.get(job.status, 0) + 1
        return counts

    def pop_due_counts(self, correlation_id: Optional[str], now: datetime) -> Dict[str, int]:
        with self._lock:
            return self._queue.pop_due_counts(now)

    def get_expired_lease_ids(self, correlation_id: Optional[str], now: datetime, limit: int) -> List[str]:
        return [id for id, _ in self.get_expired_leases(correlation_id, now, limit)]

    def get_expired_leases(self, correlation_id: Optional[str], now: datetime,
                           limit: int) -> List[Tuple[str, Optional[str]]]:
        result = []
        with self._lock:
            for id in self._leases.pop_due(now.timestamp(), limit):
                job = self._items.get(id)
                if job is not None and job.status == JobStatusV1.Running:
                    result.append((id, job.lease_token))
        return result

    def delete_all(self, correlation_id: Optional[str]) -> None:
        with self._lock:  # every job and every key of a deleted one
            self.clear(correlation_id)
            self._gone_keys.clear(correlation_id)

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        removed = 0
        with self.batch(), self._gone_keys.batch():  # file: the keys' records are durable before the deletions
            for id in self._expiry.pop_due(now.timestamp(), len(self._items)):
                job = self._items.get(id)
                if job is not None and _expired(job, now):
                    self._remove(id)
                    removed += 1
        self._gone_keys.delete_expired(now)
        return removed

    # --- fair queues ---------------------------------------------------------------------------
    def set_group_limits(self, limits: Dict[str, int]) -> None:
        with self._lock:
            self._groups.set_limits(limits)

    def get_group_counts(self, correlation_id: Optional[str], type: str, limit: int = 100) -> List[dict]:
        with self._lock:
            return self._groups.counts(type, limit)
