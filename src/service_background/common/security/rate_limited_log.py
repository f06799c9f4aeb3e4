"""Expected, repeated failures (writes refused while the disk is full or the database is down, malformed
requests) logged as one WARN line per cause per period with a count, never a line or a stack trace each."""
import threading
import time
from typing import Callable, Dict, List

_MAX_CAUSES = 1024  # causes are error codes and a few fixed names; a bound all the same


class RateLimitedLog:

    def __init__(self, period: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self._period = period
        self._clock = clock
        self._lock = threading.Lock()
        self._causes: Dict[str, List[float]] = {}  # cause -> [when the next line is due, occurrences since]

    @property
    def period(self) -> float:
        return self._period

    def count(self, cause: str) -> int:
        """Counts one occurrence of ``cause``; returns how many a line written now would report (this one
        included), or 0 when a line for this cause was written less than a period ago."""
        now = self._clock()
        with self._lock:
            entry = self._causes.get(cause)
            if entry is None:
                if len(self._causes) >= _MAX_CAUSES:
                    self._causes.clear()
                self._causes[cause] = [now + self._period, 0]
                return 1
            entry[1] += 1
            if now < entry[0]:
                return 0
            count = int(entry[1])
            entry[0], entry[1] = now + self._period, 0
            return count

    def warn(self, write: Callable[[str], None], cause: str, message: str) -> bool:
        """Calls ``write`` with one line (``message``, the cause and its count) when one is due; True if it did."""
        count = self.count(cause)
        if count:
            write(f'{message} [{cause}: {count} since the last such line; at most one line per {self._period:g} s]')
        return bool(count)


# the process's one log of refusals: lines from every endpoint and persistence count together
REFUSALS = RateLimitedLog()
