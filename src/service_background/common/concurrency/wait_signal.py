"""Long-poll support: a change counter under a Condition. A waiter notes the counter, tries its
operation, and sleeps on the Condition (no lock held, no sleep loop) only if nothing changed since;
``recheck`` bounds the sleep so changes made by other processes (a shared MongoDB) are seen too."""
import threading
import time
from typing import Callable, Optional, TypeVar

T = TypeVar('T')


class WaitSignal:

    def __init__(self):
        self._condition = threading.Condition()
        self._generation = 0
        self._waiting = 0  # threads inside wait_for's wait
        self._closed = False

    def notify(self):
        # the generation moves first and a waiter counts itself before it compares the generation, so a
        # notify that sees no waiter cannot miss one: without waiters (async long-polls, no sync
        # want_job) every write skips the Condition's lock
        self._generation += 1
        if self._waiting:
            with self._condition:
                self._condition.notify_all()

    def close(self):
        """Wakes every waiter for good (shutdown)."""
        with self._condition:
            self._closed = True
            self._generation += 1
            self._condition.notify_all()

    def open(self):
        self._closed = False

    def wait_for(self, attempt: Callable[[], Optional[T]], timeout: float, recheck: float) -> Optional[T]:
        """Calls ``attempt`` until it returns something or ``timeout`` seconds pass (then None)."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            since = self._generation
            result = attempt()
            remaining = deadline - time.monotonic()
            if result is not None or remaining <= 0 or self._closed:
                return result
            with self._condition:
                self._waiting += 1
                try:
                    if self._generation == since:
                        self._condition.wait(min(remaining, recheck))
                finally:
                    self._waiting -= 1
