"""The lock of a memory/file persistence. It is re-entrant; when a thread leaves its outermost hold,
the journal lines written so far are made durable before the caller goes on, outside the lock: a thread
blocks for the covering fsync, a call on the event loop (journal_sync: call_durably, track) has its reply
wait for it. Concurrent writers share one fsync (group commit). A compaction frozen under the lock is written
then too, outside it (FileJournal.after_unlock)."""
import threading
from typing import List

from service_background.common.persistence import journal_sync


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
            depth = local.depth = getattr(local, 'depth', 0) + 1
            if depth == 1:  # what was written before this hold: a hold that wrote nothing cannot fail
                local.start = [journal.written for journal in self._journals]
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
        marks = [(journal, journal.written, start) for journal, start in zip(self._journals, local.start)]
        self._lock.release()
        on_loop = journal_sync.on_loop()
        try:
            for journal, upto, start in marks:
                if journal.unsettled(upto, upto != start):
                    if on_loop:
                        journal_sync.defer(journal, upto)
                    else:
                        journal.sync(upto)
        finally:
            for journal in self._journals:
                journal.after_unlock(on_loop)

    def acquire_quiet(self, timeout: float) -> bool:
        """A hold that makes nothing durable when it ends (the syncer thread cutting a journal back)."""
        if not self._lock.acquire(timeout=timeout):
            return False
        self._local.depth = getattr(self._local, 'depth', 0) + 1
        return True

    def release_quiet(self):
        self._local.depth -= 1
        self._lock.release()
