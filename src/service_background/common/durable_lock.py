"""The lock of a memory/file persistence. It is re-entrant; when a thread leaves its outermost hold,
the journal lines written so far are made durable (fsync) before the thread goes on, outside the
lock. The write is durable before the caller's reply, and fsyncs of concurrent writers are shared.
A compaction frozen under the lock is written then too, outside it (FileJournal.after_unlock)."""
import threading
from typing import List


class DurableLock:

    def __init__(self):
        self._lock = threading.RLock()
        self._journals: List = []
        self._local = threading.local()

    def add_journal(self, journal):
        """Before the lock is first used (the persistence's open; a memory store has a bare RLock)."""
        if journal not in self._journals:
            self._journals.append(journal)

    def __enter__(self):
        self._lock.acquire()
        if self._journals:
            local = self._local
            local.depth = getattr(local, 'depth', 0) + 1
        return self

    def __exit__(self, *exc_info):
        if not self._journals:
            self._lock.release()
            return
        local = self._local
        local.depth -= 1
        if local.depth > 0:
            self._lock.release()
            return
        marks = [(journal, journal.written) for journal in self._journals]
        self._lock.release()
        try:
            for journal, upto in marks:
                journal.sync(upto)
        finally:
            for journal in self._journals:
                journal.after_unlock()
