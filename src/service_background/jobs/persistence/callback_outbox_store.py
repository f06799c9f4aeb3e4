"""Where pending job callbacks wait: in the jobs domain's own store, so they
survive a restart. Memory: a dict (lost on restart, as everything in memory); file: the same dict
made durable by its own journal beside the jobs file (``<jobs path>.outbox.json``); MongoDB: the
``<jobs collection>_outbox`` collection of the jobs database. Entries are ordered by ``key`` (creation
order), so the oldest can be dropped when the outbox is over its bound."""
import itertools
import time
from typing import List, Optional

from service_background.common.data.data_object import DataObjectV1
from service_background.common.persistence.memory_persistence import MemoryPersistence

_counter = itertools.count()


def new_key() -> str:
    """Sorts in creation order within a process and roughly across restarts."""
    return f'{time.time_ns():020d}-{next(_counter) % 1_000_000:06d}'


class CallbackOutboxEntryV1(DataObjectV1):
    __slots__ = ('id', 'url', 'body', 'attempt')

    def __init__(self, id: Optional[str] = None, url: Optional[str] = None, body: Optional[str] = None,
                 attempt: int = 0):
        self.id = id
        self.url = url
        self.body = body
        self.attempt = attempt


class ICallbackOutboxStore:
    def add(self, entry: CallbackOutboxEntryV1) -> None: ...

    def set_attempt(self, key: str, attempt: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def oldest_keys(self, count: int) -> List[str]: ...

    def count(self) -> int: ...

    def load_all(self) -> List[CallbackOutboxEntryV1]: ...

    def close(self) -> None: ...


class CallbackOutboxMemoryStore(MemoryPersistence, ICallbackOutboxStore):
    """A dict in insertion (= key) order; with a FileJournal attached (``journal``) every write is
    durable before it returns."""

    def __init__(self, journal=None):
        super().__init__(CallbackOutboxEntryV1)
        self._journal = journal
        self.open(None)

    def add(self, entry: CallbackOutboxEntryV1) -> None:
        with self._lock:
            self._store(entry)

    def set_attempt(self, key: str, attempt: int) -> None:
        with self._lock:
            entry = self._items.get(key)
            if entry is not None:
                entry = entry.clone()
                entry.attempt = attempt
                self._store(entry)

    def delete(self, key: str) -> None:
        self.delete_by_key(None, key)

    def oldest_keys(self, count: int) -> List[str]:
        with self._lock:
            return list(itertools.islice(iter(self._items), count))

    def count(self) -> int:
        with self._lock:
            return len(self._items)

    def load_all(self) -> List[CallbackOutboxEntryV1]:
        with self._lock:
            return sorted((e.clone() for e in self._items.values()), key=lambda e: e.id)

    def close(self, correlation_id: Optional[str] = None) -> None:
        super().close(correlation_id)


class CallbackOutboxMongoStore(ICallbackOutboxStore):
    """One document per pending callback, ``_id`` the key (creation order)."""

    def __init__(self, collection):
        self._collection = collection

    def add(self, entry: CallbackOutboxEntryV1) -> None:
        self._collection.insert_one({'_id': entry.id, 'url': entry.url, 'body': entry.body, 'attempt': entry.attempt})

    def set_attempt(self, key: str, attempt: int) -> None:
        self._collection.update_one({'_id': key}, {'$set': {'attempt': attempt}})

    def delete(self, key: str) -> None:
        self._collection.delete_one({'_id': key})

    def oldest_keys(self, count: int) -> List[str]:
        return [doc['_id'] for doc in self._collection.find({}, {'_id': 1}).sort([('_id', 1)]).limit(count)]

    def count(self) -> int:
        return self._collection.count_documents({})

    def load_all(self) -> List[CallbackOutboxEntryV1]:
        return [CallbackOutboxEntryV1(doc['_id'], doc.get('url'), doc.get('body'), doc.get('attempt') or 0)
                for doc in self._collection.find({}).sort([('_id', 1)])]

    def close(self) -> None:
        pass
