"""In-memory persistence base, fixing what pip-services3-data's IdentifiableMemoryPersistence gets
wrong: it stores and returns copies of typed objects, sorts when asked, pages with a cap,
and offers ``modify`` for read-modify-write under one lock. With a ``FileJournal`` attached, every
write is made durable before the call returns.

Stored items are never changed in place: every write stores a new object (``_store`` gets a copy made
by the caller, reads hand out clones). The journal's compaction relies on it: it snapshots the store by
a shallow copy of ``_items`` under the lock and serialises that copy outside the lock.

A journal write that fails (disk full, I/O error) fails the call with 503 STORAGE_UNAVAILABLE; a batch
whose write failed reloads the durable state, so what the caller was told failed is not visible."""
import contextlib
import copy
import threading
from typing import Any, Callable, Dict, Hashable, Iterable, Iterator, List, Optional

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.data import DataPage, IdGenerator, PagingParams
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import ICleanable, IOpenable
from pip_services3_components.log import CompositeLogger

from service_background.common.data.data_object import json_value
from service_background.common.persistence.durable_lock import DurableLock
from service_background.common.persistence.file_journal import StorageUnavailableException
from service_background.common.persistence.journal_sync import DURABLE_INLINE
from service_background.common.security.rate_limited_log import REFUSALS

MAX_PAGE_SIZE = 100

Predicate = Callable[[Any], bool]


class MemoryPersistence(IConfigurable, IReferenceable, IOpenable, ICleanable):

    def __init__(self, data_class: type, lock: Optional[Any] = None, journal: Optional[Any] = None):
        """``lock``: another store's, when the two must change together (else a lock of its own);
        ``journal``: a FileJournal, which makes this a file persistence."""
        self._data_class = data_class
        self._items: Dict[Hashable, Any] = {}
        # a DurableLock once a journal is attached (open): memory needs no more
        self._lock = lock if lock is not None else threading.RLock()
        self._logger = CompositeLogger()
        self._journal = journal
        self._opened = False

    @property
    def blocking(self):
        """A memory persistence never blocks (False); a file one waits for fsync: its calls run on the
        event loop, served from the parser's callback like a memory one's, and their replies wait for
        the covering fsync (``DURABLE_INLINE``)."""
        return DURABLE_INLINE if self._journal is not None else False

    @property
    def journal(self):
        """The FileJournal of a file persistence (its ``fsync_count``, ``journal_path``), else None."""
        return self._journal

    # --- lifecycle -------------------------------------------------------------------------
    def configure(self, config: ConfigParams):
        if self._journal is not None:
            self._journal.configure(config)

    def set_references(self, references: IReferences):
        self._logger.set_references(references)

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        if self._journal is not None:
            if not isinstance(self._lock, DurableLock):
                self._lock = DurableLock()
            self._lock.add_journal(self._journal)
            self._journal.attach(lambda: self._items, self._logger, self._reload, self._cut_back_journal)
        with self._lock:
            if self._journal is not None:
                self._items = {}
                for item in self._journal.load(self._data_class):
                    self._items[self._key(item)] = item
                self._journal.compact(self._items)
            self._on_loaded()
            self._opened = True

    def close(self, correlation_id: Optional[str]):
        with self._lock:
            self._opened = False
            if self._journal is not None:
                self._journal.close()

    def _cut_back_journal(self):
        """The journal's syncer thread after a failed fsync: the journal cut back and the items reloaded
        under the lock, before the writers of the failed group get their 503."""
        while not self._lock.acquire_quiet(0.1):
            if not self._opened:
                return  # closing: the close fails the waiting writers itself
        try:
            self._journal.cut_back()
        finally:
            self._lock.release_quiet()

    def clear(self, correlation_id: Optional[str]):
        with self._lock:
            self._items = {}
            self._on_loaded()
            if self._journal is not None:
                self._journal.compact({})

    # --- hooks for subclasses ---------------------------------------------------------------
    def _key(self, item: Any) -> Hashable:
        return item.id

    def _on_loaded(self):
        """Called under the lock after the item set was replaced: rebuild any index here."""

    def _on_saved(self, old: Optional[Any], new: Any):
        """Called under the lock after an item was stored: keep indexes in step here."""

    def _on_deleted(self, old: Any):
        """Called under the lock after an item was removed."""

    def _out(self, item: Any) -> Any:
        """The copy of a stored item handed to a caller (a store holding a compact form unpacks it
        here; clones made to be stored again keep it)."""
        return item.clone()

    # --- reads: always copies -----------------------------------------------------------------
    def _get_one_by_key(self, correlation_id: Optional[str], key: Hashable) -> Optional[Any]:
        with self._lock:
            item = self._items.get(key)
            return self._out(item) if item is not None else None

    def get_one_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self._get_one_by_key(correlation_id, id)

    def get_list_by_ids(self, correlation_id: Optional[str], ids: List[Any]) -> List[Any]:
        """The items of ``ids`` that exist, in one lock hold."""
        with self._lock:
            items = (self._items.get(id) for id in ids)
            return [self._out(item) for item in items if item is not None]

    def get_list_by_filter(self, correlation_id: Optional[str], predicate: Optional[Predicate] = None,
                           sort: Optional[Callable] = None) -> List[Any]:
        with self._lock:
            items = [i for i in self._items.values() if predicate is None or predicate(i)]
            if sort is not None:
                items.sort(key=sort)
            return [self._out(i) for i in items]

    def get_count_by_filter(self, correlation_id: Optional[str], predicate: Optional[Predicate] = None) -> int:
        with self._lock:
            return sum(1 for i in self._items.values() if predicate is None or predicate(i))

    def get_page_by_filter(self, correlation_id: Optional[str], predicate: Optional[Predicate],
                           paging: Optional[PagingParams], sort: Optional[Callable] = None) -> DataPage:
        paging = paging if paging is not None else PagingParams()
        skip = paging.get_skip(0)
        take = paging.get_take(MAX_PAGE_SIZE)
        with self._lock:
            items = [i for i in self._items.values() if predicate is None or predicate(i)]
            if sort is not None:
                items.sort(key=sort)
            page = [self._out(i) for i in items[skip:skip + take]]
        return DataPage(page, len(items) if paging.total else None)

    # --- writes -------------------------------------------------------------------------------
    def _store(self, item: Any) -> Any:
        """Stores ``item`` (caller holds the lock) durably and returns a copy for the caller."""
        key = self._key(item)
        old = self._items.get(key)
        if self._journal is not None:
            self._journal.append_put(key, item)
        self._items[key] = item
        self._on_saved(old, item)
        if self._journal is not None:
            self._journal.maybe_compact(self._items)
        return self._out(item)

    def _store_fields(self, item: Any, fields: Iterable[str]) -> Any:
        """``_store`` of ``item`` whose only changes are ``fields``: the journal gets a patch of those
        fields, not the whole item (a large item changed in one small field stays a small write)."""
        if self._journal is None:
            return self._store(item)
        key = self._key(item)
        old = self._items.get(key)
        if old is None:
            return self._store(item)
        self._journal.append_patch(key, {name: json_value(getattr(item, name, None)) for name in fields})
        self._items[key] = item
        self._on_saved(old, item)
        self._journal.maybe_compact(self._items)
        return self._out(item)

    def patch(self, correlation_id: Optional[str], key: Hashable, fields: dict,
              condition: Optional[Callable[[Any], bool]] = None) -> Optional[Any]:
        """Sets ``fields`` on the stored item (if it exists and ``condition`` holds for it), atomically,
        journaling only those fields. Returns the item after the change, or None."""
        with self._lock:
            current = self._items.get(key)
            if current is None or (condition is not None and not condition(current)):
                return None
            new = current.clone()
            for name, value in copy.deepcopy(fields).items():  # the store shares nothing with the caller
                setattr(new, name, value)
            return self._store_fields(new, fields)

    def _remove(self, key: Hashable) -> Optional[Any]:
        old = self._items.get(key)
        if old is None:
            return None
        if self._journal is not None:
            self._journal.append_delete(key)
        del self._items[key]
        self._on_deleted(old)
        if self._journal is not None:
            self._journal.maybe_compact(self._items)
        return old

    def batch(self):
        """Holds the lock over several writes: their journal lines go out as one group in one write(),
        and leaving the outermost hold fsyncs once (DurableLock), so a batch call costs one write.
        Without a journal the lock itself is the context (a take of one job pays no generator)."""
        return self._lock if self._journal is None else self._journal_batch()

    @contextlib.contextmanager
    def _journal_batch(self) -> Iterator[None]:
        with self._lock:
            self._journal.begin_batch()
            try:
                yield
            finally:
                # the writes made so far are kept even when the body raised, as without a batch
                try:
                    self._journal.end_batch()
                except StorageUnavailableException:
                    self._reload()  # none of the batch's writes stays visible: the call fails
                    raise
            if not self._journal.in_batch:
                self._journal.maybe_compact(self._items)

    def _reload(self):
        """Under the lock: the items as the files hold them (after a failed journal write)."""
        if self._journal.in_batch:
            return
        try:
            items = {}
            for item in self._journal.load(self._data_class):
                items[self._key(item)] = item
        except Exception as ex:  # the journal refuses writes until a snapshot of memory succeeds
            REFUSALS.warn(lambda line: self._logger.error(None, None, line), 'RELOAD_FAILED ' + type(self).__name__,
                          f'Could not reload the durable state after a failed write: {type(ex).__name__}: {ex}')
            return
        self._items = items
        self._on_loaded()

    def create_many(self, correlation_id: Optional[str], items: Iterable[Any]) -> List[Any]:
        """``create`` of each item as one batch (one journal group, one fsync)."""
        with self.batch():
            return [self.create(correlation_id, item) for item in items]

    def modify_many(self, correlation_id: Optional[str], keys: Iterable[Hashable],
                    change: Callable[[Optional[Any]], Optional[Any]]) -> List[Optional[Any]]:
        """``modify`` of each key with the same ``change`` as one batch; None where nothing was stored."""
        with self.batch():
            return [self.modify(correlation_id, key, change) for key in keys]

    def create(self, correlation_id: Optional[str], item: Any) -> Any:
        item = self._data_class.from_json(item) if isinstance(item, dict) else item.clone()
        if getattr(item, 'id', None) is None:
            item.id = IdGenerator.next_long()
        with self._lock:
            return self._store(item)

    def set(self, correlation_id: Optional[str], item: Any) -> Any:
        return self.create(correlation_id, item)

    def update(self, correlation_id: Optional[str], item: Any) -> Optional[Any]:
        item = self._data_class.from_json(item) if isinstance(item, dict) else item.clone()
        with self._lock:
            if self._key(item) not in self._items:
                return None
            return self._store(item)

    def modify(self, correlation_id: Optional[str], key: Hashable,
               change: Callable[[Optional[Any]], Optional[Any]]) -> Optional[Any]:
        """Atomic read-modify-write: ``change`` gets a copy of the stored item (or None) and returns
        the item to store, or None to leave the store as it is (the result is then None)."""
        with self._lock:
            current = self._items.get(key)
            new = change(current.clone() if current is not None else None)
            return self._store(new) if new is not None else None

    def delete_by_key(self, correlation_id: Optional[str], key: Hashable) -> Optional[Any]:
        with self._lock:
            old = self._remove(key)
            return self._out(old) if old is not None else None

    def delete_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self.delete_by_key(correlation_id, id)

    def delete_by_filter(self, correlation_id: Optional[str], predicate: Predicate) -> int:
        with self.batch():
            keys = [k for k, i in self._items.items() if predicate(i)]
            for key in keys:
                self._remove(key)
            return len(keys)
