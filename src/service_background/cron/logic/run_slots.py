"""Which jobs this process is running now, and the runs of each that came due meanwhile (they wait
behind the run in progress instead of being skipped at once)."""
# They wait in order; the runner decides each one when its turn comes.
import threading
from collections import deque
from typing import Deque, Dict, Hashable, Optional

MAX_BEHIND = 16  # runs waiting behind one job's run at most; past it a due run is skipped at once

Tick = tuple  # (planned_ms, next_ms, the job when claimed already or None)

RUN, BEHIND, FULL = 'run', 'behind', 'full'


class RunSlots:

    def __init__(self, max_behind: int = MAX_BEHIND):
        self._max_behind = max_behind
        self._lock = threading.Lock()
        self._busy: Dict[Hashable, Deque[Tick]] = {}  # running key -> the runs due behind it

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._busy

    def enter(self, key: Hashable) -> bool:
        """Marks ``key`` running; False when it already is."""
        with self._lock:
            if key in self._busy:
                return False
            self._busy[key] = deque()
            return True

    def due(self, key: Hashable, tick: Tick) -> str:
        """A run of ``key`` came due: RUN (now marked running: start it), BEHIND (queued behind the run
        in progress) or FULL (too many queued: skip it now)."""
        with self._lock:
            behind = self._busy.get(key)
            if behind is None:
                self._busy[key] = deque()
                return RUN
            if len(behind) >= self._max_behind:
                return FULL
            behind.append(tick)
            return BEHIND

    def leave(self, key: Hashable) -> Optional[Tick]:
        """The run of ``key`` ended: the next run queued behind it (``key`` stays running for it), or
        None (``key`` is free)."""
        with self._lock:
            behind = self._busy.get(key)
            if behind:
                return behind.popleft()
            self._busy.pop(key, None)
            return None

    def drop(self, key: Hashable):
        """Frees ``key`` and forgets what waited behind it (the runner stopped)."""
        with self._lock:
            self._busy.pop(key, None)
