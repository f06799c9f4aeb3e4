"""What a worker holds: the slots that bound how many items run at once, and each item in hand."""
import asyncio
from typing import Any, Callable, Optional

from service_background.worker.handlers import Handler
from service_background.worker.job_context import JobContext


class Slots:
    """How many more items may run at once; fetchers wait for a free one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.free = size
        self.reporting = 0  # items whose handler is done: their slot frees within one call
        self._changed = asyncio.Event()

    async def wait(self, settle: float = 0.05) -> None:
        """Until a slot is free; while other items are only reporting their outcome, up to ``settle``
        seconds more for those slots too, so one take fetches them all (a busy queue then costs one
        take per batch, not one per job)."""
        while self.free <= 0:
            self._changed.clear()
            await self._changed.wait()
        deadline = None
        while self.reporting > 0 and self.free < self.size:
            loop = asyncio.get_running_loop()
            deadline = deadline or loop.time() + settle
            if loop.time() >= deadline:
                return
            self._changed.clear()
            # asyncio.wait, not wait_for: 3.11's wait_for can swallow a cancellation (gh-86296)
            waiter = asyncio.ensure_future(self._changed.wait())
            try:
                done, _ = await asyncio.wait({waiter}, timeout=deadline - loop.time())
            finally:
                waiter.cancel()
            if not done:
                return

    async def wait_until(self, ready: Callable[[], bool]) -> None:
        """Until ``ready()`` holds; it is checked again whenever a slot frees or poke() is called."""
        while not ready():
            self._changed.clear()
            await self._changed.wait()

    def poke(self) -> None:
        self._changed.set()

    def resize(self, size: int) -> None:
        """A new size (the items held stay held): free moves by the difference."""
        self.free += size - self.size
        self.size = size

    def reported(self, n: int = 1) -> None:
        self.reporting -= n
        self._changed.set()

    def take(self, n: int) -> None:
        self.free -= n

    def give(self, n: int = 1) -> None:
        if n:
            self.free += n
            self._changed.set()


class Item:
    """One job or task being handled."""
    __slots__ = ('key', 'obj', 'handler', 'task', 'phase', 'lease_lost', 'thread_future', 'extender', 'extending',
                 'context', 'interrupted')
    task: 'asyncio.Task[None]'  # the item's run, set by the worker once the item exists

    def __init__(self, key: str, obj: Any, handler: Handler) -> None:
        self.key = key
        self.obj = obj
        self.handler = handler
        self.phase = 'handler'  # then 'report'; JobsWorker: 'queued' (prefetched), 'handler', 'done'
        self.lease_lost = False
        self.thread_future: Optional[asyncio.Future] = None
        self.extender: Optional[asyncio.Task] = None
        self.extending = False
        self.context: Optional[JobContext] = None  # a job's (JobsWorker)
        self.interrupted = False  # its task was cancelled for a cancel request (not for a stop)
