"""Group commit for a FileJournal: concurrent writers share one fsync, like PostgreSQL's WAL flush or
Redis's AOF. A writer appends under the store's lock, takes a ticket, leaves the lock and waits for an
fsync covering its ticket, and every writer that arrives while an fsync runs is covered by the next one.

Threads block for their tickets; one syncer thread per journal runs their fsyncs. Calls served on the
event loop (``DURABLE_INLINE`` stores: ``call_durably``, or ``track`` and ``settled`` for requests answered
from the parser's callback) run the store code inline (an append is a page-cache write) and wait for their
tickets without blocking: after the loop turn that wrote, one fsync on the loop covers every write of the
turn and settles its waiters (Redis's ``appendfsync always`` before it sleeps), so no thread wakes the
loop and no GIL changes hands. When an fsync runs already, or fsyncs are slow (a slow disk must not
stall the loop), the syncer thread runs it and wakes the loop once per round for all its waiters.
A failed fsync fails every ticket not yet durable (the journal cuts itself back first), so each writer
of the group gets a 503."""
import asyncio
import os
import threading
import time
from contextvars import ContextVar
from typing import Any, Callable, List, Optional, Tuple

from service_background.common.persistence.journal_records import StorageUnavailableException

SLOW_FSYNC = 0.005  # seconds: while fsyncs take longer than this on average (a slow disk), the thread runs them
# the (journal, ticket) debts of the call running on the event loop; None: a thread, which blocks


def sync_data(fd: int):
    """Makes a journal's appended records durable: fdatasync where the system has it (it also flushes the
    file size an append changes, and skips only timestamps), as Redis and PostgreSQL do; fsync elsewhere."""
    (os.fdatasync if hasattr(os, 'fdatasync') else os.fsync)(fd)


_debts: ContextVar[Optional[list]] = ContextVar('journal_debts', default=None)


class _DurableInline:
    """The ``blocking`` mode of a file store: truthy (its calls owe an fsync before their reply), yet run
    on the loop: from the parser's callback (AsgiApp.serve_inline) or by ``blocking.run_sync``."""

    def __bool__(self):
        return True

    def __repr__(self):
        return 'DURABLE_INLINE'


DURABLE_INLINE = _DurableInline()


async def call_durably(function: Callable, *args: Any) -> Any:
    """``function(*args)`` on the loop; returns once every journal write it made is durable."""
    debts, token = track()
    try:
        return function(*args)
    finally:
        untrack(token)
        for journal, ticket in debts:  # in the order written
            future = journal.durable_future(ticket)
            if future is not None:
                await future


class _Debts(list):
    """The (journal, ticket) debts of one loop call; closed when the call returns."""
    __slots__ = ('open',)

    def __init__(self):
        super().__init__()
        self.open = True


def track() -> Tuple[list, Any]:
    """Starts a call on the loop (one answered from the parser's callback, or ``call_durably``'s): (its
    debts, the token ``untrack`` takes). Its writes append and take tickets; the caller waits for them."""
    debts = _Debts()
    return debts, _debts.set(debts)


def untrack(token: Any):
    """Ends the call: a callback it scheduled carries a copy of its context, and must not add to debts
    nobody waits for any more (it blocks for its fsync instead, as a thread does)."""
    _debts.get().open = False
    _debts.reset(token)


def settled(debts: List[Tuple[Any, int]]) -> Optional[asyncio.Future]:
    """One future settled once every debt is durable (its exception: a 503 when an fsync failed); None
    when all are already. StorageUnavailableException at once when one already failed."""
    futures = [future for future in (journal.durable_future(ticket) for journal, ticket in debts)
               if future is not None]
    if not futures:
        return None
    return futures[0] if len(futures) == 1 else asyncio.gather(*futures)


def on_loop() -> bool:
    """Whether the running code is a call on the event loop (``call_durably``, ``track``) whose reply
    waits for its debts; else it blocks for its fsync."""
    debts = _debts.get()
    return debts is not None and debts.open


def defer(journal: Any, ticket: int):
    """Records ``ticket`` as a debt of the loop call in progress: its reply waits for it (and for none
    before it in the same journal: tickets grow, and one fsync covers them all)."""
    debts = _debts.get()
    if debts and debts[-1][0] is journal:
        debts[-1] = (journal, max(debts[-1][1], ticket))
    else:
        debts.append((journal, ticket))


def settle_others(journal: Any):
    """Before ``journal`` is written by a loop call: the call's writes to other journals are made durable
    first, so one call's writes reach the disk in the order it made them (as a thread's do)."""
    debts = _debts.get()
    if not debts or not debts.open or all(owner is journal for owner, _ in debts):
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
                future.set_exception(StorageUnavailableException(
                    None, f'The journal could not be made durable: {error}'))


class GroupCommit:
    """Tickets, the syncer thread and the waiters of one journal's active file. Ticket n is the n-th
    record appended since open; ``synced`` is the highest one known durable."""

    def __init__(self, name: str):
        self._name = name
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # the state; threads waiting for a ticket or a claim
        self._kick = threading.Condition(lock)  # the syncer thread's own: woken only for work
        self._sleepers = 0         # threads waiting on _cond (none: its notify costs nothing)
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
        self._rounds: set = set()  # loops with a round scheduled after their turn
        self._fsync_seconds = 0.0  # a moving average: one slow fsync on a busy machine changes little
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
                self._sleep()

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
            if loop not in self._rounds:  # the first waiter of this loop turn: one fsync after the turn
                self._rounds.add(loop)
                loop.call_soon(self._round_on_loop, loop)
            return future

    def _round_on_loop(self, loop):
        """After a loop turn, as Redis's ``appendfsync always`` before it sleeps: one fsync on the loop
        covers every write of the turn and its waiters are settled with no thread to wake. When an
        fsync runs already (the syncer's, a claim's) or fsyncs are slow, the syncer thread takes it."""
        with self._cond:
            self._rounds.discard(loop)
            if self._written <= self._synced:
                return  # covered already (a claim's fsync, another loop's round)
            if self._busy or self._error or self._fsync_seconds > SLOW_FSYNC:
                self._request(self._written)
                return
            fd, target, end = self._fd, self._written, self._end
            self._busy = True
        error, seconds = self._fsync(fd)
        self._finish(target, end, error, seconds, loop)
        if error is not None and self.on_failure is not None:
            self.on_failure()

    def _sleep(self):
        self._sleepers += 1
        try:
            self._cond.wait()
        finally:
            self._sleepers -= 1

    def _changed(self):
        """Under the condition, after the state changed: wakes the threads that wait on it, and the syncer
        thread only when an fsync is wanted and may run now (not on every round a loop ran itself)."""
        if self._sleepers:
            self._cond.notify_all()
        if self._requested > self._synced and not self._busy and not self._error:
            self._kick.notify()

    def _request(self, ticket: int):
        if ticket > self._requested:
            self._requested = ticket
            self._changed()
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
                    self._kick.wait()
                if self._closing:
                    return
                fd, target, end = self._fd, self._written, self._end
                self._busy = True
            error, seconds = self._fsync(fd)
            self._finish(target, end, error, seconds)
            if error is not None and self.on_failure is not None:
                self.on_failure()

    @staticmethod
    def _fsync(fd: Optional[int]) -> Tuple[Optional[BaseException], float]:
        """(the failure, the seconds it took)"""
        started = time.perf_counter()
        try:
            if fd is not None:
                sync_data(fd)
        except OSError as ex:
            return ex, time.perf_counter() - started
        return None, time.perf_counter() - started

    def _finish(self, target: int, end: int, error: Optional[BaseException], seconds: float, here=None):
        """An fsync ended (``here``: the loop it ran on, whose waiters are settled without a wake-up)."""
        with self._cond:
            self._busy = False
            self._fsyncs += 1
            self._fsync_seconds += (seconds - self._fsync_seconds) / 8
            if error is None:
                self._advance(target, end, here)
            else:
                self._error = self._error or error
            self._changed()

    def _advance(self, target: int, end: int, here=None):
        """Under the condition: tickets up to ``target`` are durable; loop waiters among them are told."""
        if target > self._synced:
            self._synced, self._synced_end = target, end
        self._wake(lambda ticket: ticket <= self._synced, None, here)

    def _wake(self, which: Callable[[int], bool], error: Optional[BaseException], here=None):
        by_loop: dict = {}
        keep = []
        for waiter in self._waiters:
            if which(waiter[0]):
                by_loop.setdefault(waiter[1], []).append(waiter[2])
            else:
                keep.append(waiter)
        self._waiters = keep
        for loop, futures in by_loop.items():  # one wake-up per loop and round, whatever the number of writers
            if loop is here:
                _settle(futures, error)  # a round run on this loop: no wake-up at all
                continue
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
                self._sleep()
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
            self._changed()

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
            self._kick.notify_all()
            self._changed()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None
