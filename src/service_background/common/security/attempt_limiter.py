"""Counts failed secret checks (API tokens, OTP codes, node tokens) per key (group and source, or one key
for a whole process) in a sliding window; once a key has ``limit`` failures in ``window_s`` seconds its
caller refuses further tries with 429 until the oldest failure ages out (token_authorizer.py decides which
tries: a right token from a clean address passes a process-wide ceiling)."""
import threading
import time
from collections import deque
from typing import Deque, Dict, Hashable, Optional

from pip_services3_commons.errors import ApplicationException, ErrorCategory

from service_background.common.http.request import _current


def too_many_attempts(retry_after: float, correlation_id: Optional[str] = None) -> ApplicationException:
    error = ApplicationException(ErrorCategory.BadRequest, correlation_id, 'TOO_MANY_ATTEMPTS',
                                 f'too many failed attempts; retry in {retry_after:.0f}s')
    error.status = 429
    return error


def request_source() -> str:
    """The client address of the request being served ('' outside a request)."""
    request = _current.get(None)
    client = getattr(request, 'client', None) if request is not None else None
    return str(client[0]) if client else ''


class AttemptLimiter:

    def __init__(self, limit: int = 10, window_s: float = 60.0, max_keys: int = 100000):
        self.limit = max(1, int(limit))
        self.window_s = float(window_s)
        self._max_keys = max_keys
        self._failures: Dict[Hashable, Deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: Hashable, now: float) -> Optional[Deque[float]]:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            failures = self._prune(key, now)
            if failures is None or len(failures) < self.limit:
                return 0.0
            return max(0.0, failures[0] + self.window_s - now)

    def failures(self, key: Hashable) -> int:
        """Failures of ``key`` within the window (at most ``limit``: no more are kept)."""
        with self._lock:
            failures = self._prune(key, time.monotonic())
            return len(failures) if failures is not None else 0

    def check(self, key: Hashable, correlation_id: Optional[str] = None):
        """Raises 429 when ``key`` used up its failures."""
        wait = self.retry_after(key)
        if wait > 0:
            raise too_many_attempts(wait, correlation_id)

    def fail(self, key: Hashable):
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= self._max_keys:  # a flood of sources: forget the stale ones
                for stale in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window_s]:
                    del self._failures[stale]
            # the newest ``limit`` suffice to tell whether ``limit`` fell within the window: bounded memory
            self._failures.setdefault(key, deque(maxlen=self.limit)).append(now)

    def reset(self):
        with self._lock:
            self._failures.clear()
