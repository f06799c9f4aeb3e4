"""One min-heap of next runs and one thread that sleeps until the earliest, woken early when an edit
plans an earlier run."""
# No scan of every job: a due entry costs O(log n), an idle scheduler sleeps.
#
# Entries are replaced lazily: each key has one current sequence number and any heap entry with an
# older one is dropped when it surfaces. A key may carry a delay: its runs are handed over that much after
# (negative: before) their planned time, still reported as planned; the schedule itself never shifts.
import heapq
import itertools
import threading
from typing import Callable, Dict, Hashable, List, Optional, Tuple

from service_background.common.data.clock import now_ms
from service_background.cron.logic.interval_patterns import Schedule

# on_due(key, planned_ms, next_ms): called on the scheduler thread, so it must only hand work off
DueCallback = Callable[[Hashable, int, Optional[int]], None]


class Scheduler:

    def __init__(self, on_due: DueCallback, clock: Callable[[], int] = now_ms, default_delay_ms: int = 0,
                 name: str = 'cron-scheduler'):
        """``default_delay_ms``: the delay of a key scheduled for the first time (negative: ahead)."""
        self._on_due = on_due
        self._default_delay = default_delay_ms
        self._name = name
        self._clock = clock
        self._heap: List[Tuple[int, int, Hashable]] = []
        self._current: Dict[Hashable, Tuple[int, int, Schedule, int]] = {}  # key -> (seq, due, schedule, delay)
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._stopped = True

    def __len__(self) -> int:
        return len(self._current)

    def planned(self, key: Hashable) -> Optional[int]:
        """The next planned run of ``key`` as the scheduler has it (None when unscheduled)."""
        with self._cond:
            entry = self._current.get(key)
            return entry[1] if entry is not None else None

    def schedule(self, key: Hashable, due_ms: Optional[int], schedule: Schedule):
        """Plans ``key`` at ``due_ms`` (replacing what it had, keeping its delay); None unschedules it."""
        with self._cond:
            if due_ms is None:
                self.unschedule(key)
                return
            entry = self._current.get(key)
            self._push(key, due_ms, schedule, entry[3] if entry is not None else self._default_delay)

    def delay(self, key: Hashable, delay_ms: int):
        """Hands ``key``'s runs over ``delay_ms`` after their planned time from now on (0: on time,
        negative: ahead of it)."""
        with self._cond:
            entry = self._current.get(key)
            if entry is not None and entry[3] != delay_ms:
                self._push(key, entry[1], entry[2], delay_ms)

    def _push(self, key: Hashable, due_ms: int, schedule: Schedule, delay_ms: int):
        seq = next(self._seq)
        self._current[key] = (seq, due_ms, schedule, delay_ms)
        fire_ms = due_ms + delay_ms
        wake = not self._heap or fire_ms < self._heap[0][0]
        heapq.heappush(self._heap, (fire_ms, seq, key))
        self._compact()
        if wake:
            self._cond.notify()

    def unschedule(self, key: Hashable):
        with self._cond:
            if self._current.pop(key, None) is not None:
                self._compact()

    def clear(self):
        with self._cond:
            self._current.clear()
            self._heap.clear()

    def _compact(self):
        # stale entries pile up when jobs are edited often; rebuild once they dominate the heap
        if len(self._heap) > 2 * len(self._current) + 1024:
            self._heap = [e for e in self._heap if self._current.get(e[2], (None,))[0] == e[1]]
            heapq.heapify(self._heap)

    # --- the thread --------------------------------------------------------------------------
    def start(self):
        with self._cond:
            if self._thread is not None:
                return
            self._stopped = False
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self):
        while True:
            with self._cond:
                due = self._next_due()
                if due is None:
                    return
            key, planned, next_ms = due
            try:
                self._on_due(key, planned, next_ms)
            except Exception:  # noqa: BLE001 - the callback logs; the scheduler must keep going
                pass

    def _next_due(self) -> Optional[Tuple[Hashable, int, Optional[int]]]:
        """Waits (holding the condition) for the next valid due entry; reschedules it and returns it."""
        while not self._stopped:
            if not self._heap:
                self._cond.wait()
                continue
            fire, seq, key = self._heap[0]
            entry = self._current.get(key)
            if entry is None or entry[0] != seq:
                heapq.heappop(self._heap)
                continue
            now = self._clock()
            if fire > now:
                # at most a day at a time: exec_time may be centuries ahead, past threading.TIMEOUT_MAX
                self._cond.wait(min((fire - now) / 1000.0, 86400.0))
                continue
            heapq.heappop(self._heap)
            _, due, schedule, delay = entry
            # the run after this one is computed from the planned time (a delay never shifts the schedule)
            next_ms = schedule.next_run(due, now - delay)
            if next_ms is None:
                del self._current[key]
            else:
                new_seq = next(self._seq)
                self._current[key] = (new_seq, next_ms, schedule, delay)
                heapq.heappush(self._heap, (next_ms + delay, new_seq, key))
            return key, due, next_ms
        return None
