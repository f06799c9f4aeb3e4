"""Durable storage for a file persistence: a JSON snapshot plus an append-only journal.

pip-services3-data's JsonFilePersister truncates then rewrites the whole file on every write: a crash
can tear it and each write costs O(n). Here a write appends one framed, fsynced record (O(1)); a batch
call appends all of its records with one write() and one fsync. A record holds a whole item, a
deletion, or a patch (``{"key", "set": {field: value}}``) when only a few fields of a large item change.
Records are framed lines (journal_records.py): a damaged middle record is skipped only when a later one
proves where it ends; a torn tail is truncated away.

**Failed appends.** A write that fails (ENOSPC, EIO, EFBIG) is truncated back to the last good offset
and the call fails with 503 ``STORAGE_UNAVAILABLE``; the persistence then reloads its durable state, so
nothing unacknowledged stays visible. If even the truncation fails the journal refuses every further
write with 503 until a full snapshot succeeds (tried again on each write), so no acknowledged record is
ever written after a torn one. A failed fsync is handled the same way.

**Compaction never stalls the store.** When the journal outgrows the store, the lock holder only
*freezes* a generation: it fsyncs and renames the journal to ``<journal>.<seq>`` (new appends go to a
fresh journal) and takes a shallow copy of the item dict, which is cheap because stored items are never
changed in place (MemoryPersistence replaces them). The snapshot is serialised and written (temp file,
fsync, rename) *outside* the lock: by the writer after it leaves the lock for small stores, by a
background thread for large ones (``options.compact_inline_max``, 50,000 items). Then the frozen
segments are deleted. Load reads the snapshot, then every ``<journal>.<seq>`` in order, then the journal:
replaying a segment over a newer snapshot is harmless, so a crash at any step loses nothing.

**Group commit** (journal_sync.py): appends happen under the persistence's lock; the fsync runs on the
journal's syncer thread after the writer left the lock (DurableLock), and one fsync covers every writer
that arrived meanwhile. A failed fsync fails every writer not yet durable: the journal is cut back to
its last durable record and the persistence reloads (``cut_back``) before they get their 503.
"""
import logging
import os
import threading
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

from pip_services3_commons.config import ConfigParams

from service_background.common.data.json_util import to_json_bytes
from service_background.common.persistence import journal_files as files
from service_background.common.persistence import journal_sync
from service_background.common.persistence.journal_records import StorageUnavailableException, frame, parse_record  # noqa: F401
from service_background.common.security.rate_limited_log import REFUSALS

_log = logging.getLogger(__name__)


class FileJournal:

    def __init__(self, default_path: str):
        self._path = default_path
        self._fsync = True
        # options.compact_min; JOURNAL_COMPACT_MIN sets the default (the crash test compacts often)
        self._min_compact = int(os.environ.get('JOURNAL_COMPACT_MIN') or 10000)
        self._inline_max = 50000
        self._fd: Optional[int] = None
        self._offset = 0           # end of the last good record of the active journal
        self._entries = 0          # records in the active journal
        self._group = journal_sync.GroupCommit(default_path)  # tickets and fsyncs of the active journal
        self._durable_end: Optional[int] = None  # set while a tail that failed its fsync could not be cut
        self._reload: Optional[Callable[[], None]] = None  # the persistence's reload (after a cut back)
        self._batch_depth = 0
        self._pending: List[bytes] = []  # records of the open batch, written in one write() at its end
        self._failure: Optional[BaseException] = None  # set: refuse writes until a snapshot succeeds
        self._items: Optional[Callable[[], dict]] = None  # the live item dict, for recovery snapshots
        self._logger = None
        self._seq = 0
        self._compact_lock = threading.Lock()  # one snapshot written at a time
        self._frozen: Optional[Tuple[int, Dict[Hashable, Any]]] = None  # (segment seq, items) to write
        self._frozen_inline = False  # written by the writer that froze it, once it left the lock
        self._compactor: Optional[threading.Thread] = None
        self.last_load_report: Dict[str, int] = {}

    def configure(self, config: ConfigParams):
        self._path = config.get_as_string_with_default('path', self._path)
        self._fsync = config.get_as_boolean_with_default('options.fsync', self._fsync)
        self._group.enabled = self._fsync
        self._min_compact = config.get_as_integer_with_default('options.compact_min', self._min_compact)
        self._inline_max = config.get_as_integer_with_default('options.compact_inline_max', self._inline_max)

    def attach(self, items: Callable[[], dict], logger: Any = None, reload: Optional[Callable[[], None]] = None,
               on_sync_failure: Optional[Callable[[], None]] = None):
        """``items`` returns the persistence's live dict (called under its lock, for recovery); ``reload``
        replaces it with what the files hold (under its lock); ``on_sync_failure`` takes the lock and
        calls ``cut_back`` (from the syncer thread, after a failed fsync)."""
        self._items = items
        self._logger = logger
        self._reload = reload
        self._group.on_failure = on_sync_failure

    @property
    def journal_path(self) -> str:
        return self._path + '.journal'

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def _warn(self, message: str):
        if self._logger is not None:
            return self._logger.warn(None, message)
        _log.warning(message)

    def _error(self, message: str):
        if self._logger is not None:
            return self._logger.error(None, None, message)
        _log.error(message)

    # --- load ---------------------------------------------------------------------------------
    def load(self, data_class: type) -> List[Any]:
        folder = os.path.dirname(os.path.abspath(self._path))
        os.makedirs(folder, exist_ok=True)
        return [data_class.from_json(data) for data in self.read_items().values()]

    def read_items(self) -> Dict[Hashable, dict]:
        """Snapshot + frozen segments + journal, as JSON items by key."""
        items: Dict[Hashable, dict] = {}
        files.read_snapshot(self._path, items)
        report = self.last_load_report = {'records': 0, 'skipped_records': 0, 'skipped_bytes': 0, 'torn_bytes': 0}
        keep = self.journal_path + '.skipped'
        segments = files.segments(self.journal_path)
        for _, name in segments:
            files.replay(name, items, report, self._warn, keep)
        self._seq = max([seq for seq, _ in segments] + [self._seq])
        if os.path.exists(self.journal_path):
            files.replay(self.journal_path, items, report, self._warn, keep, self._durable_end)
        return items

    # --- writes -------------------------------------------------------------------------------
    def _append(self, entry: dict):
        record = frame(to_json_bytes(entry))  # msgspec, as on the wire: a tenth of json.dumps's cost
        if self._batch_depth:
            self._pending.append(record)
            return
        self._write(record, 1)

    def _open_fd(self):
        if self._fd is None:
            self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._offset = os.fstat(self._fd).st_size
            self._group.set_fd(self._fd, self._offset)

    def _write(self, data: bytes, lines: int):
        if self._group.error is not None:  # a failed fsync not cut back yet: this write fails with its group
            error = self._group.error
            self.cut_back()
            raise StorageUnavailableException(None, f'The journal could not be made durable: {error}')
        if self._failure is not None:
            self._recover()
        journal_sync.settle_others(self)
        self._open_fd()
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as ex:
            self._undo_append(ex)
        self._offset += len(data)
        self._entries += lines
        self._group.note_written(lines, self._offset)

    def _undo_append(self, error: OSError):
        """A write failed part way: cut the journal back to its last good record, then fail the call."""
        try:
            os.ftruncate(self._fd, self._offset)
        except OSError as truncate_error:
            self._failure = truncate_error
            self._error(f'Journal {self.journal_path}: a write failed ({error}) and could not be cut back '
                        f'({truncate_error}); writes are refused until a snapshot succeeds')
        else:
            REFUSALS.warn(self._warn, 'STORAGE_UNAVAILABLE ' + self.journal_path,  # a full disk fails them all
                          f'Journal {self.journal_path}: a write failed ({error}); cut back to offset {self._offset}')
        raise StorageUnavailableException(None, f'The journal could not be written: {error}') from error

    def _recover(self):
        """Called under the persistence's lock while writes are refused: a full snapshot of the live
        items (and an empty journal) makes the store whole again."""
        if self._items is None:
            raise StorageUnavailableException(None, f'The journal is unusable: {self._failure}')
        try:
            self.compact(self._items())
        except OSError as ex:
            raise StorageUnavailableException(None, f'The journal is unusable: {ex}') from ex
        self._failure = None
        self._warn(f'Journal {self.journal_path}: recovered with a full snapshot')

    def begin_batch(self):
        """Appends until the matching ``end_batch`` are collected and written as one group (one
        write() call; the persistence's lock exit then fsyncs once). Called under the persistence's lock."""
        self._batch_depth += 1

    def end_batch(self):
        self._batch_depth -= 1
        if self._batch_depth == 0 and self._pending:
            pending, self._pending = self._pending, []
            self._write(b''.join(pending), len(pending))

    @property
    def in_batch(self) -> bool:
        return self._batch_depth > 0

    @property
    def written(self) -> int:
        """The ticket of the last record appended (DurableLock waits for it after the lock)."""
        return self._group.written

    @property
    def fsync_count(self) -> int:
        """fsyncs of journal records so far: fewer than writes when writers are concurrent."""
        return self._group.fsync_count

    def unsettled(self, upto: int, wrote: bool) -> bool:
        """Whether a hold that saw the records up to ticket ``upto`` must wait for them (not durable
        yet); one that ``wrote`` some must also hear whether their fsync failed."""
        if wrote:
            return upto > self._group.synced or self._group.failed_at(upto)
        return upto > self._group.synced and not self._group.failed_at(upto)

    def sync(self, upto: int):
        """Blocks until the records up to ticket ``upto`` are durable (one fsync covers every writer
        waiting meanwhile); called with the persistence's lock NOT held. 503 if their fsync failed."""
        self._group.wait(upto)

    def durable_future(self, upto: int):
        """``sync`` for a call on the event loop: a future of the running loop settled by the syncer thread
        once ticket ``upto`` is durable; None: it is already. 503 at once if its fsync failed."""
        return self._group.wait_async(upto)

    def cut_back(self):
        """Under the persistence's lock, after a failed fsync: the journal is cut back to its last durable
        record and the persistence reloaded from the files; then every writer not durable gets its 503."""
        written, _, durable_end, error = self._group.claim()
        if error is None:  # cut back already
            self._group.release()
            return
        try:
            try:
                if self._fd is not None:
                    os.ftruncate(self._fd, durable_end)
                    os.close(self._fd)  # a fresh descriptor: a failed fsync is not reported twice
                    self._fd = None
                self._open_fd()
                self._error(f'Journal {self.journal_path}: fsync failed ({error}); the records it did not make '
                            f'durable were cut back and their calls failed')
            except OSError as ex:
                self._failure = self._failure or ex
                self._durable_end = durable_end  # loads stop there until a snapshot succeeds
                self._error(f'Journal {self.journal_path}: fsync failed ({error}) and the journal could not be cut '
                            f'back ({ex}); writes are refused until a snapshot succeeds')
            if self._reload is not None:
                self._reload()
        finally:
            self._group.release(failed=(written, error))

    def append_put(self, key: Hashable, item: Any):
        self._append({'key': key, 'item': item.to_compact_json()})

    def append_patch(self, key: Hashable, fields: dict):
        """A small record of some fields of a stored item (dates as ISO strings, as ``to_json``)."""
        self._append({'key': key, 'set': fields})

    def append_delete(self, key: Hashable):
        self._append({'key': key})

    # --- compaction -----------------------------------------------------------------------------
    def maybe_compact(self, items: dict):
        """Called under the persistence's lock after a write: freezes a generation when the journal
        has outgrown the store. The snapshot itself is written later, outside the lock."""
        if self._batch_depth or self._frozen is not None or self._failure is not None:
            return
        if self._entries < max(self._min_compact, len(items)) or self._group.error is not None:
            return
        if self._compactor is not None and self._compactor.is_alive():
            return  # a large snapshot is still being written: the journal may grow meanwhile
        try:
            self._rotate()
        except OSError as ex:
            self._warn(f'Journal {self.journal_path}: compaction postponed ({ex})')
            if self._group.error is not None:  # the rotation's fsync failed: its writers fail as a group
                self.cut_back()
            return
        self._frozen = (self._seq, dict(items))  # shallow: stored items are replaced, never changed
        self._frozen_inline = len(items) <= self._inline_max
        if not self._frozen_inline:
            self._start_compactor()

    def _start_compactor(self):
        self._frozen_inline = False
        self._compactor = threading.Thread(target=self.run_frozen, name='journal-compaction', daemon=True)
        self._compactor.start()

    def _rotate(self):
        """The active journal becomes frozen segment ``<journal>.<seq>``; appends go to a fresh one."""
        written, synced, _, _ = self._group.claim()  # no fsync runs on the descriptor closed here
        durable = None
        try:
            if self._fd is not None:
                if self._fsync and synced < written:
                    try:
                        os.fsync(self._fd)  # records of writers still before their own sync are in it
                    except OSError as ex:
                        self._group.fail(ex)
                        raise
                    self._group.count_fsync()
                os.close(self._fd)
                self._fd = None
            durable = written
            self._seq += 1
            if os.path.exists(self.journal_path):
                os.replace(self.journal_path, f'{self.journal_path}.{self._seq}')
            self._entries = 0
            self._open_fd()
        finally:
            self._group.release(synced=durable)

    def run_frozen(self):
        """Writes the frozen generation's snapshot (outside the persistence's lock), then deletes the
        segments it covers. Safe to call from any thread, any number of times."""
        if self._frozen is None or not self._compact_lock.acquire(blocking=False):
            return
        try:
            frozen = self._frozen
            if frozen is None:
                return
            seq, items = frozen
            try:
                self._write_snapshot(items)
                files.drop_segments(self.journal_path, seq)
            except OSError as ex:  # the segments stay: the data is all there, only not compacted
                self._error(f'Journal {self.journal_path}: snapshot failed ({ex}); will retry')
            finally:
                self._frozen = None
        finally:
            self._compact_lock.release()

    def after_unlock(self, on_loop: bool = False):
        """Called by DurableLock when a thread left the persistence's lock: writes a small frozen
        snapshot now (a large one has its own thread, as has one frozen by a call on the event loop)."""
        if self._frozen is not None and self._frozen_inline:
            if on_loop:
                self._start_compactor()
            else:
                self.run_frozen()

    def wait_compacted(self, timeout: Optional[float] = None):
        compactor = self._compactor
        if compactor is not None:
            compactor.join(timeout)
        self.run_frozen()

    def _write_snapshot(self, items: Dict[Hashable, Any]):  # a method: tests slow it down
        files.write_snapshot(self._path, items, self._fsync)

    def compact(self, items: dict):
        """Writes every item to a new snapshot now, then empties the journal (open, clear, recovery;
        called under the persistence's lock)."""
        with self._compact_lock:  # after a snapshot being written in the background
            self._frozen = None
            self._write_snapshot(dict(items))
            # Replaying the old journal over the new snapshot is harmless, so a crash here loses nothing.
            written = self._group.claim()[0]
            durable = None
            try:
                if self._fd is not None:
                    os.close(self._fd)
                    self._fd = None
                files.drop_segments(self.journal_path, self._seq)
                fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o644)
                self._fd, self._offset = fd, 0
                self._group.set_fd(fd, 0)
                self._pending = []  # records of an open batch: the snapshot holds their items already
                self._entries = 0
                self._durable_end = None
                durable = written  # the snapshot holds every record written so far
            finally:
                self._group.release(synced=durable)

    def close(self):
        """The last fsync (or the failure of every writer still waiting), then the syncer stops."""
        self.wait_compacted()
        written, synced, _, error = self._group.claim()
        durable, failed = None, None
        try:
            if error is None and self._fd is not None and self._fsync and synced < written:
                os.fsync(self._fd)
                self._group.count_fsync()
            durable = written
        except OSError as ex:
            error = ex
        finally:
            if durable is None or error is not None:
                failed = (written, error or OSError('closed'))
            self._group.release(synced=durable if failed is None else None, failed=failed)
        self._group.stop()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._group.set_fd(None, 0)
