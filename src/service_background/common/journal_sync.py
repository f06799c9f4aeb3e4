"""Group commit for a FileJournal: concurrent writers share one fsync, like PostgreSQL's WAL flush or
Redis's AOF. A writer appends under the store's lock, takes a ticket, leaves the lock and waits for an
fsync covering its ticket; one syncer thread per journal runs them, so every writer that arrives while
an fsync runs is covered by the next one, from any thread or event-loop turn.

Calls served on the event loop (``DURABLE_INLINE`` stores, ``call_durably``) run the store code
inline (an append is a page-cache write) and await their tickets instead of blocking: the reply is sent
only after the covering fsync. A failed fsync fails every ticket not yet durable (the journal cuts
itself back first), so each writer of the group gets a 503."""
import asyncio
import os
import threading
from contextvars import ContextVar
from typing import Any, Callable, List, Optional, Tuple

from .journal_records import StorageUnavailableException

# the (journal, ticket) debts of the call running on the event loop; None: a thread, which blocks
_debts: ContextVar[Optional[list]] = ContextVar('journal_debts', default=None)


class _DurableInline:
    """The ``blocking`` mode of a file store: truthy (never served from the parser's callback), but run
    on the loop by ``blocking.run_sync`` with ``call_durably``."""

    def __bool__(self):
        return True

    def __repr__(self):
        return 'DURABLE_INLINE'


DURABLE_INLINE = _DurableInline()


async def call_durably(function: Callable, *args: Any) -> Any:
    """``function(*args)`` on the loop; returns once every journal write it made is durable."""
    debts: List[Tuple[Any, int]] = []
    token = _debts.set(debts)
    try:
        return function(*args)
    finally:
        _debts.reset(token)
        for journal, ticket in debts:  # in the order written
            await journal.wait_durable(ticket)


def on_loop() -> bool:
    """Whether the running code is a call on the event loop (``call_durably``), which must not block."""
    return _debts.get() is not None


def defer(journal: Any, ticket: int):
    """Records ``ticket`` as a debt of the loop call in progress: its reply waits for it."""
    _debts.get().append((journal, ticket))


def settle_others(journal: Any):
    """Before ``journal`` is written by a loop call: the call's writes to other journals are made durable
    first, so one call's writes reach the disk in the order it made them (as a thread's do)."""
    debts = _debts.get()
    if not debts or all(owner is journal for owner, _ in debts):
        return
    keep = []
    for owner, ticket in debts:
        if owner is journal:
            keep.append((owner, ticket))
        else:
            owner.sync(ticket)
    debts[:] = keep


def _settle(futures: list, error: Optional[BaseException]):
    for future in futures:
        if not future.done():
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(StorageUnavailableException(None, f'The journal could not be made durable: {error}'))


class GroupCommit:
    """Tickets, the syncer thread and the waiters of one journal's active file. Ticket n is the n-th
    record appended since open; ``synced`` is the highest one known durable."""

    def __init__(self, name: str):
        self._name = name
        self._cond = threading.Condition(threading.Lock())
        self.enabled = True        # options.fsync
        self._fd: Optional[int] = None
        self._written = 0          # tickets handed out
        self._end = 0              # file offset after the last ticket
        self._synced = 0
        self._synced_end = 0       # file offset after the last durable ticket
        self._requested = 0
        self._busy = False         # an fsync (or a claim: rotation, compaction, cut back) is running
        self._error: Optional[BaseException] = None  # a failed fsync not yet cut back
        self._failed: List[Tuple[int, int, BaseException]] = []  # (after, upto, error): failed tickets
        self._waiters: List[Tuple[int, Any, Any]] = []  # (ticket, loop, future) of loop calls
        self._thread: Optional[threading.Thread] = None
        self._closing = False
        self._fsyncs = 0
        self.on_failure: Optional[Callable[[], None]] = None  # the journal cuts itself back (syncer thread)

    # --- state ------------------------------------------------------------------------------------
    @property
    def written(self) -> int:
        return self._written

    @property
    def synced(self) -> int:
        return self._synced

    @property
    def fsync_count(self) -> int:
        """fsyncs of the journal's records run so far (fewer than writes when writers are concurrent)."""
        return self._fsyncs

    @property
    def error(self) -> Optional[BaseException]:
        return self._error

    def set_fd(self, fd: Optional[int], end: int):
        """A new active file (open, rotation, compaction; the caller holds the claim or nothing runs)."""
        with self._cond:
            self._fd, self._end = fd, end
            if self._synced >= self._written:
                self._synced_end = end

    def note_written(self, lines: int, end: int):
        """Called under the store's lock after ``lines`` records were appended up to offset ``end``."""
        with self._cond:
            self._written += lines
            self._end = end
            if not self.enabled:
                self._synced, self._synced_end = self._written, end

    def failed_at(self, ticket: int) -> bool:
        """Whether ``ticket`` belongs to a group whose fsync failed (read without the condition)."""
        return bool(self._failed) and any(after < ticket <= upto for after, upto, _ in self._failed)

    def _failure_of(self, ticket: int) -> Optional[BaseException]:
        for after, upto, error in reversed(self._failed):
            if after < ticket <= upto:
                return error
        return None

    # --- waiting ------------------------------------------------------------------------------------
    def wait(self, ticket: int):
        """Blocks the calling thread until ``ticket`` is durable; StorageUnavailableException if it failed."""
        with self._cond:
            while True:
                error = self._failure_of(ticket)
                if error is not None:
                    raise StorageUnavailableException(None, f'The journal could not be made durable: {error}')
                if ticket <= self._synced:
                    return
                self._request(ticket)
                self._cond.wait()

    def wait_async(self, ticket: int) -> Optional[asyncio.Future]:
        """A future of the running loop settled once ``ticket`` is durable (None: it is already)."""
        with self._cond:
            error = self._failure_of(ticket)
            if error is not None:
                raise StorageUnavailableException(None, f'The journal could not be made durable: {error}')
            if ticket <= self._synced:
                return None
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            self._waiters.append((ticket, loop, future))
            self._request(ticket)
            return future

    def _request(self, ticket: int):
        if ticket > self._requested:
            self._requested = ticket
            self._cond.notify_all()
        if self._thread is None or not self._thread.is_alive():
            self._closing = False
            self._thread = threading.Thread(target=self._run, name=f'journal-sync {os.path.basename(self._name)}',
                                            daemon=True)
            self._thread.start()

    # --- the syncer -----------------------------------------------------------------------------------
    def _run(self):
        while True:
            with self._cond:
                while not self._closing and (self._requested <= self._synced or self._busy or self._error):
                    self._cond.wait()
                if self._closing:
                    return
                fd, target, end = self._fd, self._written, self._end
                self._busy = True
            error = None
            try:
                if fd is not None:
                    os.fsync(fd)
            except OSError as ex:
                error = ex
            self._finish(target, end, error)
            if error is not None and self.on_failure is not None:
                self.on_failure()

    def _finish(self, target: int, end: int, error: Optional[BaseException]):
        with self._cond:
            self._busy = False
            self._fsyncs += 1
            if error is None:
                self._advance(target, end)
            else:
                self._error = self._error or error
            self._cond.notify_all()

    def _advance(self, target: int, end: int):
        """Under the condition: tickets up to ``target`` are durable; loop waiters among them are told."""
        if target > self._synced:
            self._synced, self._synced_end = target, end
        self._wake(lambda ticket: ticket <= self._synced, None)

    def _wake(self, which: Callable[[int], bool], error: Optional[BaseException]):
        by_loop: dict = {}
        keep = []
        for waiter in self._waiters:
            if which(waiter[0]):
                by_loop.setdefault(waiter[1], []).append(waiter[2])
            else:
                keep.append(waiter)
        self._waiters = keep
        for loop, futures in by_loop.items():  # one wake-up per loop and round, whatever the number of writers
            try:
                loop.call_soon_threadsafe(_settle, futures, error)
            except RuntimeError:  # the loop is closed: nobody waits for the reply any more
                pass

    # --- claims: work on the active file with no fsync running ----------------------------------------
    def claim(self) -> Tuple[int, int, int, Optional[BaseException]]:
        """Waits for a running fsync to end and keeps others out (``release``): (written, synced, durable
        end offset, pending fsync failure). The caller holds the store's lock, so no append runs."""
        with self._cond:
            while self._busy:
                self._cond.wait()
            self._busy = True
            return self._written, self._synced, self._synced_end, self._error

    def release(self, synced: Optional[int] = None, failed: Optional[Tuple[int, BaseException]] = None):
        """Ends a claim: tickets up to ``synced`` are durable; with ``failed`` = (upto, error) every
        ticket after the durable ones up to ``upto`` failed (and a pending failure is settled)."""
        with self._cond:
            self._busy = False
            if failed is not None:
                upto, error = failed
                if upto > self._synced:
                    self._failed = self._failed[-63:] + [(self._synced, upto, error)]
                    after = self._synced
                    self._wake(lambda ticket: after < ticket <= upto, error)
                    self._synced = upto  # later tickets start from here; the failed range answers first
                self._error = None
                self._synced_end = self._end
            if synced is not None:
                self._advance(synced, self._end)
                if self._synced >= self._written:
                    self._error = None  # nothing is left that a failed fsync could have lost
            self._cond.notify_all()

    def fail(self, error: BaseException):
        """A claim's own fsync failed: the failure pends until the journal is cut back."""
        with self._cond:
            self._error = self._error or error

    def count_fsync(self):
        with self._cond:
            self._fsyncs += 1

    def stop(self, timeout: float = 5.0):
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
