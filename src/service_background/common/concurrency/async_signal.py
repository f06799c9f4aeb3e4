"""Long-polls that cost no thread: a registry of asyncio waiters keyed by what they wait for (a queue
type, a job id), plus waiters of "any key" (``ANY``).

The protocol, which loses no wakeup:

1. ``waiter = registry.register(key)`` (on the waiter's event loop),
2. try the operation (take a job, read a result); on success ``registry.discard(waiter)``, done,
3. else ``await waiter.wait(timeout)`` and go back to 1 (a new waiter each round).

``notify(key, count)`` (from any thread) is called after the change it announces is stored: a waiter
registered before it is woken (at most ``count`` of them, oldest first, among the key's waiters and
the ANY waiters), and one registered after it tries its operation after the change, so it sees it.
A waiter that was woken but did not use the wake (it was cancelled or timed out meanwhile, or it got
its result without waiting) passes it on to the next waiter in ``discard``. Cancelled waiters are
skipped and removed; empty keys are removed, so memory stays bounded by the live waiters.
``close()`` wakes everyone for good (shutdown)."""
import asyncio
import itertools
import threading
from typing import Any, Dict, Hashable, List, Optional

ANY: Any = type('AnyKey', (), {'__repr__': lambda self: 'ANY', '__slots__': ()})()
_CLOSED: Any = type('Closed', (), {'__repr__': lambda self: 'CLOSED', '__slots__': ()})()


def _resolve(future: asyncio.Future, value: bool):
    if not future.done():
        future.set_result(value)


class AsyncWaiter:
    """One registration: woken at most once. ``woken_by`` is the key whose notify chose it (None
    while not woken)."""

    __slots__ = ('key', 'seq', 'loop', 'future', 'woken_by', 'used', '_registry')

    def __init__(self, registry: 'AsyncWaiters', key: Hashable, seq: int, loop: asyncio.AbstractEventLoop):
        self.key = key
        self.seq = seq
        self.loop = loop
        self.future = loop.create_future()
        self.woken_by: Optional[Hashable] = None
        self.used = False
        self._registry = registry

    @property
    def woken(self) -> bool:
        return self.woken_by is not None

    async def wait(self, timeout: Optional[float]) -> bool:
        """Waits until woken or ``timeout`` seconds pass; True when woken (the caller then uses the
        wake: it tries its operation again). A cancelled wait passes an unused wake on (in discard)."""
        if self.woken_by is None and not self.future.done():
            handle = None
            if timeout is not None:
                handle = self.loop.call_later(max(0.0, timeout), _resolve, self.future, False)
            try:
                await self.future
            finally:
                if handle is not None:
                    handle.cancel()
        self.used = self.woken_by is not None
        return self.used


class AsyncWaiters:

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters: Dict[Hashable, Dict[int, AsyncWaiter]] = {}
        self._seq = itertools.count()
        self._count = 0
        self._closed = False

    # --- state ----------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def open(self):
        self._closed = False

    def __len__(self) -> int:
        """How many waiters are registered (and not yet woken)."""
        return self._count

    def keys(self) -> List[Hashable]:
        with self._lock:
            return list(self._waiters)

    # --- waiters --------------------------------------------------------------------------------
    def register(self, key: Hashable = ANY) -> AsyncWaiter:
        """A new waiter for ``key`` on the running loop (already woken when the registry is closed)."""
        waiter = AsyncWaiter(self, key, next(self._seq), asyncio.get_running_loop())
        with self._lock:
            if not self._closed:
                self._waiters.setdefault(key, {})[waiter.seq] = waiter
                self._count += 1
                return waiter
        waiter.woken_by = _CLOSED
        _resolve(waiter.future, True)
        return waiter

    def discard(self, waiter: AsyncWaiter):
        """Ends a registration; a wake it got and did not use goes to the next waiter."""
        with self._lock:
            self._remove(waiter)
        if waiter.woken_by is not None and waiter.woken_by is not _CLOSED and not waiter.used:
            waiter.used = True
            self.notify(waiter.woken_by, 1)

    def _remove(self, waiter: AsyncWaiter):
        group = self._waiters.get(waiter.key)
        if group is not None and group.pop(waiter.seq, None) is not None:
            self._count -= 1
            if not group:
                del self._waiters[waiter.key]

    # --- waking ---------------------------------------------------------------------------------
    def _first_live(self, key: Hashable) -> Optional[AsyncWaiter]:
        group = self._waiters.get(key)
        while group:
            waiter = group[next(iter(group))]
            if not waiter.future.done():
                return waiter
            self._remove(waiter)  # cancelled or timed out: skip it
            group = self._waiters.get(key)
        return None

    def notify(self, key: Hashable, count: int = 1) -> int:
        """Wakes up to ``count`` waiters of ``key`` or of ANY, oldest first; safe from any thread.
        Returns how many were woken."""
        if count <= 0 or not self._count:
            return 0  # none waits (the usual case under load): no lock. A waiter registers before it
            # looks at the store and a notifier looks here after its write, so none is missed
        chosen = []
        with self._lock:
            while len(chosen) < count:
                own = self._first_live(key)
                other = self._first_live(ANY) if key is not ANY else None
                waiter = own if other is None or (own is not None and own.seq < other.seq) else other
                if waiter is None:
                    break
                self._remove(waiter)
                waiter.woken_by = key
                chosen.append(waiter)
        self._wake(chosen)
        return len(chosen)

    def notify_all(self, key: Hashable) -> int:
        """Wakes every waiter of ``key`` (and none of ANY): e.g. everyone waiting on one job's result."""
        if not self._count:
            return 0  # as in notify
        with self._lock:
            group = self._waiters.pop(key, None) or {}
            chosen = list(group.values())
            self._count -= len(chosen)
            for waiter in chosen:
                waiter.woken_by = key
        self._wake(chosen)
        return len(chosen)

    def notify_everyone(self) -> int:
        with self._lock:
            chosen = [w for group in self._waiters.values() for w in group.values()]
            self._waiters = {}
            self._count = 0
            for waiter in chosen:
                waiter.woken_by = waiter.key
        self._wake(chosen)
        return len(chosen)

    def close(self):
        """Wakes every waiter for good; registrations made while closed come back already woken."""
        with self._lock:
            self._closed = True
            chosen = [w for group in self._waiters.values() for w in group.values()]
            self._waiters = {}
            self._count = 0
            for waiter in chosen:
                waiter.woken_by = _CLOSED
        self._wake(chosen)

    @staticmethod
    def _wake(waiters: List[AsyncWaiter]):
        if not waiters:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for waiter in waiters:
            if waiter.loop is running:
                _resolve(waiter.future, True)
            else:
                try:
                    waiter.loop.call_soon_threadsafe(_resolve, waiter.future, True)
                except RuntimeError:
                    pass  # its loop is closed: nobody waits there any more
