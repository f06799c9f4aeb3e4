"""Durable storage for a file persistence: a JSON snapshot plus an append-only journal.

pip-services3-data's JsonFilePersister truncates then rewrites the whole file on every write: a crash
can tear it and each write costs O(n). Here a write appends one fsynced line (O(1)); the snapshot is
rewritten (temp file, fsync, rename) only when the journal has grown past the store's size, so the
cost stays O(1) amortized. A torn last line (kill -9 mid-append) was never acknowledged and is
dropped on load.

Appends happen under the persistence's lock; the fsync happens in ``sync`` after the lock is left
(see DurableLock), so writers queued behind one fsync are covered by the next: group commit.
"""
import json
import os
import threading
from typing import Any, Hashable, List

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import FileException

from .json_util import _default


class FileJournal:

    def __init__(self, default_path: str):
        self._path = default_path
        self._fsync = True
        self._min_compact = 10000
        self._file = None
        self._entries = 0
        self._written = 0  # lines appended since open
        self._synced = 0   # lines known durable
        self._sync_lock = threading.Lock()
        self._batch_depth = 0
        self._pending: List[bytes] = []  # lines of the open batch, written in one write() at its end

    def configure(self, config: ConfigParams):
        self._path = config.get_as_string_with_default('path', self._path)
        self._fsync = config.get_as_boolean_with_default('options.fsync', self._fsync)
        self._min_compact = config.get_as_integer_with_default('options.compact_min', self._min_compact)

    @property
    def journal_path(self) -> str:
        return self._path + '.journal'

    # --- load ---------------------------------------------------------------------------------
    def load(self, data_class: type) -> List[Any]:
        folder = os.path.dirname(os.path.abspath(self._path))
        os.makedirs(folder, exist_ok=True)
        items = {}
        if os.path.exists(self._path):
            try:
                with open(self._path, 'r', encoding='utf-8') as f:
                    for data in json.load(f):
                        items[self._json_key(data['key'])] = data['item']
            except (ValueError, KeyError, TypeError) as ex:
                raise FileException(None, 'READ_FAILED', f'Snapshot {self._path} is unreadable: {ex}')
        if os.path.exists(self.journal_path):
            self._replay(items)
        return [data_class.from_json(data) for data in items.values()]

    def _replay(self, items: dict):
        good = 0
        with open(self.journal_path, 'rb') as f:
            for line in f:
                try:
                    entry = json.loads(line)
                    key = self._json_key(entry['key'])
                except (ValueError, KeyError, TypeError):
                    break  # a torn tail: the write it held was never acknowledged
                if not line.endswith(b'\n'):
                    break
                if 'item' in entry:
                    items[key] = entry['item']
                else:
                    items.pop(key, None)
                good += len(line)
        if good != os.path.getsize(self.journal_path):
            with open(self.journal_path, 'r+b') as f:
                f.truncate(good)

    @staticmethod
    def _json_key(value: Any) -> Hashable:
        return tuple(value) if isinstance(value, list) else value

    # --- writes -------------------------------------------------------------------------------
    def _append(self, entry: dict):
        line = json.dumps(entry, default=_default, separators=(',', ':')).encode('utf-8') + b'\n'
        if self._batch_depth:
            self._pending.append(line)
            return
        self._write(line, 1)

    def _write(self, data: bytes, lines: int):
        if self._file is None:
            self._file = open(self.journal_path, 'ab')
        self._file.write(data)
        self._file.flush()
        self._entries += lines
        self._written += lines

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
        return self._written

    def sync(self, upto: int):
        """Makes every line up to number ``upto`` durable; called with the persistence's lock NOT held."""
        if not self._fsync or upto <= self._synced:
            return
        with self._sync_lock:
            if upto <= self._synced or self._file is None:
                return
            target = self._written
            os.fsync(self._file.fileno())
            self._synced = max(self._synced, target)

    def append_put(self, key: Hashable, item: Any):
        self._append({'key': key, 'item': item.to_json()})

    def append_delete(self, key: Hashable):
        self._append({'key': key})

    def maybe_compact(self, items: dict):
        if self._batch_depth:
            return  # the batch's end checks
        if self._entries >= max(self._min_compact, len(items)):
            self.compact(items)

    def compact(self, items: dict):
        """Writes every item to a new snapshot atomically, then empties the journal."""
        tmp = self._path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump([{'key': k, 'item': i.to_json()} for k, i in items.items()], f,
                      default=_default, separators=(',', ':'))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._path)
        self._fsync_folder()
        # Replaying the old journal over the new snapshot is harmless, so a crash here loses nothing.
        with self._sync_lock:
            if self._file is not None:
                self._file.close()
            self._file = open(self.journal_path, 'wb')
            self._pending = []  # lines of an open batch: the snapshot holds their items already
            self._entries = 0
            self._synced = self._written  # the snapshot holds every line written so far

    def _fsync_folder(self):
        fd = os.open(os.path.dirname(os.path.abspath(self._path)), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self):
        self.sync(self._written)
        with self._sync_lock:
            if self._file is not None:
                self._file.close()
                self._file = None
