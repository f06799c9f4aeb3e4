"""How many jobs a JobsWorker holds beyond its running handlers: enough to cover one take's round trip
at the handlers' pace (Little's law), so a free handler never waits for the service."""
import math
from typing import Optional

ALPHA = 0.2  # weight of the newest sample in the moving averages


class Pacer:
    """Moving averages of a handler's run time and of a take's round trip -> the prefetch.

    ``fixed``: always that prefetch (an option); else concurrency x round trip / handler time, at
    least 1, at most ``cap`` (slow handlers get 1 or 2: few jobs wait under a lease unstarted)."""

    def __init__(self, concurrency: int, fixed: Optional[int] = None, cap: int = 500) -> None:
        self._concurrency = concurrency
        self._fixed = fixed
        self._cap = max(1, cap)
        self._handler: Optional[float] = None
        self._trip: Optional[float] = None

    def handler_ran(self, seconds: float) -> None:
        self._handler = seconds if self._handler is None else self._handler + ALPHA * (seconds - self._handler)

    def trip_took(self, seconds: float) -> None:
        self._trip = seconds if self._trip is None else self._trip + ALPHA * (seconds - self._trip)

    def found_waiting(self, seconds: float) -> bool:
        """Whether a long-poll answered within about a take's round trip, so its job was queued already
        and more may be (take a batch next), rather than arriving while it waited (jobs trickle in: go
        on long-polling, which costs the service one call per job instead of an empty take as well)."""
        return seconds <= 3 * (self._trip if self._trip is not None else 0.002)

    def prefetch(self) -> int:
        if self._fixed is not None:
            return self._fixed
        if self._handler is None or self._trip is None:
            return self._concurrency  # nothing measured yet
        wanted = self._concurrency * self._trip / max(self._handler, 1e-6)
        return max(1, min(self._cap, math.ceil(wanted * 2)))  # x2: round trips vary

    def capacity(self) -> int:
        """Jobs held at most: the running ones and the prefetched."""
        return self._concurrency + self.prefetch()
