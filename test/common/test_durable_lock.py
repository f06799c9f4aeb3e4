"""DurableLock: re-entrant; the outermost exit syncs every attached journal up to what was written,
after the lock is released, and then lets a frozen compaction run."""
import threading

from service_background.common.persistence.durable_lock import DurableLock


class FakeJournal:
    def __init__(self, lock=None):
        self.written = 0
        self.synced = []
        self.after = 0
        self.lock = lock
        self.lock_free_during_sync = []

    def sync(self, upto):
        if self.lock is not None:  # another thread can take the lock while we fsync
            free = []
            thread = threading.Thread(target=lambda: free.append(self.lock._lock.acquire(timeout=1)
                                                                 and (self.lock._lock.release() or True)))
            thread.start()
            thread.join()
            self.lock_free_during_sync.append(free == [True])
        self.synced.append(upto)

    def unsettled(self, upto, wrote):
        """As FileJournal's: records up to ``upto`` not yet synced need a wait."""
        return upto > max(self.synced, default=0)

    def after_unlock(self, on_loop=False):
        self.after += 1


def test_reentrant_and_syncs_once_on_the_outermost_exit():
    lock = DurableLock()
    journal = FakeJournal()
    lock.add_journal(journal)
    lock.add_journal(journal)  # once only
    with lock:
        journal.written = 1
        with lock:
            journal.written = 2
        assert journal.synced == []
        journal.written = 3
    assert journal.synced == [3] and journal.after == 1


def test_sync_runs_without_the_lock_held():
    lock = DurableLock()
    journal = FakeJournal(lock)
    lock.add_journal(journal)
    with lock:
        journal.written = 1
    assert journal.lock_free_during_sync == [True]


def test_without_journals_it_is_a_plain_lock():
    lock = DurableLock()
    with lock:
        with lock:
            pass
    assert lock._lock.acquire(blocking=False)
    lock._lock.release()


def test_sync_failure_reaches_the_caller_and_releases_the_lock():
    lock = DurableLock()

    class Failing(FakeJournal):
        def sync(self, upto):
            raise OSError('disk')
    journal = Failing()
    lock.add_journal(journal)
    try:
        with lock:
            journal.written = 1
    except OSError:
        pass
    else:
        raise AssertionError('the sync failure was swallowed')
    assert journal.after == 1
    assert lock._lock.acquire(blocking=False)
    lock._lock.release()


def test_one_sync_covers_writers_queued_behind_it():
    lock = DurableLock()
    marks = []

    class Counting(FakeJournal):
        def sync(self, upto):
            marks.append(upto)
    journal = Counting()
    lock.add_journal(journal)
    barrier = threading.Barrier(4)

    def writer():
        barrier.wait()
        with lock:
            journal.written += 1
    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert max(marks) == 4 and len(marks) == 4
