"""Daemon threads for sync handlers, whose outcomes reach the event loop in batches."""
import asyncio
import collections
import queue
import threading
from typing import Any, Callable, Optional


class DaemonThreadPool:
    """N daemon threads for sync handlers. Daemon, so a handler that never returns cannot keep the
    process alive after shutdown (concurrent.futures' threads are joined at exit). Outcomes that finish
    together reach the loop in one wake-up, not one each."""

    def __init__(self, size: int, name: str = 'worker') -> None:
        self._queue: 'queue.SimpleQueue' = queue.SimpleQueue()
        self._done: collections.deque = collections.deque()
        self._wake_pending = False
        self._threads = [threading.Thread(target=self._run, name=f'{name}-{i}', daemon=True)
                         for i in range(max(1, size))]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            loop, future, fn, arg = item
            try:
                self._done.append((future, fn(arg), None))
            except BaseException as ex:  # noqa: B902 - handed to the loop as the handler's outcome
                self._done.append((future, None, ex))
            if not self._wake_pending:  # the loop clears it before draining: no outcome is missed
                self._wake_pending = True
                try:
                    loop.call_soon_threadsafe(self._drain)
                except RuntimeError:  # the loop is closed: nobody waits for the outcome
                    pass

    def _drain(self) -> None:
        self._wake_pending = False
        done = self._done
        while done:
            _settle(*done.popleft())

    def submit(self, fn: Callable, arg: Any) -> 'asyncio.Future':
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((loop, future, fn, arg))
        return future

    def shutdown(self) -> None:
        for _ in self._threads:
            self._queue.put(None)


def _settle(future: 'asyncio.Future', result: Any, error: Optional[BaseException]) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
