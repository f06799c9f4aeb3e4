"""Where pending job callbacks wait: in the jobs domain's own store, so they
survive a restart. Memory: a dict (lost on restart, as everything in memory); file: the same dict
made durable by its own journal beside the jobs file (``<jobs path>.outbox.json``); MongoDB: the
``<jobs collection>_outbox`` collection of the jobs database. Entries are ordered by ``key`` (creation
order), so the oldest can be dropped when the outbox is over its bound.

Each entry has an ``owner`` (the sending process) and ``touched_ms`` (when the owner last renewed its
claim, wall-clock ms): a process claims the entries whose owner stopped renewing, one process each."""
import itertools
import threading
import time
import uuid
from typing import Dict, List, Optional

from service_background.common.data.data_object import DataObjectV1
from service_background.common.persistence.memory_persistence import MemoryPersistence

_counter = itertools.count()


def new_key() -> str:
    """Sorts in creation order within a process and roughly across restarts."""
    return f'{time.time_ns():020d}-{next(_counter) % 1_000_000:06d}'


class CallbackOutboxEntryV1(DataObjectV1):
    __slots__ = ('id', 'url', 'body', 'attempt', 'owner', 'touched_ms')

    def __init__(self, id: Optional[str] = None, url: Optional[str] = None, body: Optional[str] = None,
                 attempt: int = 0, owner: Optional[str] = None, touched_ms: int = 0):
        self.id = id
        self.url = url
        self.body = body
        self.attempt = attempt
        self.owner = owner  # the process sending it; None (written before owners) counts as stale
        self.touched_ms = touched_ms


class ICallbackOutboxStore:
    def add(self, entry: CallbackOutboxEntryV1) -> None: ...

    def set_attempt(self, key: str, attempt: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def oldest_keys(self, count: int, owner: Optional[str] = None) -> List[str]:
        """The ``count`` oldest keys (of ``owner``'s entries when given)."""

    def count(self) -> int: ...

    def load_all(self) -> List[CallbackOutboxEntryV1]: ...

    def claim_stale(self, owner: str, now_ms: int, stale_before_ms: int, limit: int) -> List[CallbackOutboxEntryV1]:
        """Makes ``owner`` the owner (touched ``now_ms``) of up to ``limit`` of the oldest entries of other
        owners touched before ``stale_before_ms``, atomically per entry (a racing claimer gets none of
        them); returns them by key."""

    def renew(self, owner: str, now_ms: int) -> None:
        """Touches every entry of ``owner`` at ``now_ms`` in one write (0 hands them over at once)."""

    def close(self) -> None: ...


class CallbackOutboxMemoryStore(MemoryPersistence, ICallbackOutboxStore):
    """A dict in insertion (= key) order; with a FileJournal attached (``journal``) every write is
    durable before it returns. One process owns it, so touches are kept per owner, in memory only: the
    owners of a former run are unknown, and their entries stale, at the next start."""

    def __init__(self, journal=None):
        super().__init__(CallbackOutboxEntryV1)
        self._journal = journal
        self._touched: Dict[str, int] = {}
        self.open(None)

    def add(self, entry: CallbackOutboxEntryV1) -> None:
        with self._lock:
            self._store(entry)
            self._touch(entry.owner, entry.touched_ms)

    def set_attempt(self, key: str, attempt: int) -> None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                entry = entry.clone()
                entry.attempt = attempt
                self._store(entry)

    def delete(self, key: str) -> None:
        self.delete_by_key(None, key)

    def oldest_keys(self, count: int, owner: Optional[str] = None) -> List[str]:
        with self._lock:
            keys = (key for key, entry in self._items.items() if owner is None or entry.owner == owner)
            return list(itertools.islice(keys, count))

    def count(self) -> int:
        with self._lock:
            return len(self._items)

    def load_all(self) -> List[CallbackOutboxEntryV1]:
        with self._lock:
            return sorted((self._view(e) for e in self._items.values()), key=lambda e: e.id)

    def claim_stale(self, owner: str, now_ms: int, stale_before_ms: int, limit: int) -> List[CallbackOutboxEntryV1]:
        with self._lock:
            stale = (e for e in self._items.values()
                     if e.owner != owner and self._touched.get(e.owner, -1) < stale_before_ms)
            claimed = list(itertools.islice(stale, max(0, limit)))
            for index, entry in enumerate(claimed):
                claimed[index] = entry = entry.clone()
                entry.owner, entry.touched_ms = owner, now_ms
                self._store(entry.clone())
            if claimed:
                self._touch(owner, now_ms)
            return claimed

    def renew(self, owner: str, now_ms: int) -> None:
        with self._lock:
            self._touched[owner] = now_ms

    def close(self, correlation_id: Optional[str] = None) -> None:
        super().close(correlation_id)

    def _touch(self, owner: Optional[str], now_ms: int):
        if owner is not None and now_ms > self._touched.get(owner, -1):
            self._touched[owner] = now_ms

    def _view(self, entry: CallbackOutboxEntryV1) -> CallbackOutboxEntryV1:
        entry = entry.clone()
        entry.touched_ms = self._touched.get(entry.owner, 0)
        return entry


class CallbackOutboxMongoStore(ICallbackOutboxStore):
    """One document per pending callback, ``_id`` the key (creation order). A claim marks the entries it
    won with a token of its own (``update_many`` checks each entry's staleness atomically)."""

    def __init__(self, collection):
        self._collection = collection
        self._indexed = threading.Event()

    def add(self, entry: CallbackOutboxEntryV1) -> None:
        self._collection.insert_one({'_id': entry.id, 'url': entry.url, 'body': entry.body, 'attempt': entry.attempt,
                                     'owner': entry.owner, 'touched_ms': entry.touched_ms})

    def set_attempt(self, key: str, attempt: int) -> None:
        self._collection.update_one({'_id': key}, {'$set': {'attempt': attempt}})

    def delete(self, key: str) -> None:
        self._collection.delete_one({'_id': key})

    def oldest_keys(self, count: int, owner: Optional[str] = None) -> List[str]:
        query = {} if owner is None else {'owner': owner}
        return [doc['_id'] for doc in self._collection.find(query, {'_id': 1}).sort([('_id', 1)]).limit(count)]

    def count(self) -> int:
        return self._collection.count_documents({})

    def load_all(self) -> List[CallbackOutboxEntryV1]:
        return [self._entry(doc) for doc in self._collection.find({}).sort([('_id', 1)])]

    def claim_stale(self, owner: str, now_ms: int, stale_before_ms: int, limit: int) -> List[CallbackOutboxEntryV1]:
        self._ensure_indexes()
        stale = {'owner': {'$nin': [owner]},  # matches no owner too (as $ne would)
                 '$or': [{'touched_ms': {'$lt': stale_before_ms}}, {'touched_ms': {'$exists': False}}]}
        keys = [doc['_id'] for doc in
                self._collection.find(stale, {'_id': 1}).sort([('_id', 1)]).limit(max(0, limit))]
        if not keys:
            return []
        token = uuid.uuid4().hex
        self._collection.update_many({'_id': {'$in': keys}, **stale},
                                     {'$set': {'owner': owner, 'touched_ms': now_ms, 'claim': token}})
        return [self._entry(doc) for doc in
                self._collection.find({'_id': {'$in': keys}, 'claim': token}).sort([('_id', 1)])]

    def renew(self, owner: str, now_ms: int) -> None:
        self._collection.update_many({'owner': owner}, {'$set': {'touched_ms': now_ms}})

    def close(self) -> None:
        pass

    def _ensure_indexes(self):
        if not self._indexed.is_set():
            self._collection.create_index([('touched_ms', 1)])
            self._collection.create_index([('owner', 1)])
            self._indexed.set()

    @staticmethod
    def _entry(doc: dict) -> CallbackOutboxEntryV1:
        return CallbackOutboxEntryV1(doc['_id'], doc.get('url'), doc.get('body'), doc.get('attempt') or 0,
                                     doc.get('owner'), doc.get('touched_ms') or 0)
