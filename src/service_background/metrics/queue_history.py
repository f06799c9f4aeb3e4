"""The last hour of each queue, minute by minute: jobs enqueued and finished by outcome, and the wait
(due until taken) and run (taken until finished) times' count, sum and max: the dashboard's charts."""
import time
from typing import Dict, List, Optional

MINUTES = 60
# a minute's slot: [minute, then the fields below]; slots are reused in place, a ring per type
ENQUEUED, DONE, FAILED, CANCELLED = 1, 2, 3, 4
WAIT_COUNT, WAIT_SUM, WAIT_MAX, RUN_COUNT, RUN_SUM, RUN_MAX = 5, 6, 7, 8, 9, 10
_WIDTH = 11
OUTCOMES = {'done': DONE, 'failed': FAILED, 'aborted': FAILED, 'cancelled': CANCELLED, 'skipped': FAILED}


def _empty_ring() -> List[list]:
    return [[-1] + [0] * (_WIDTH - 1) for _ in range(MINUTES)]


class QueueHistory:
    """Per type a ring of ``MINUTES`` slots, the slot of minute m at m % MINUTES: a record is a few
    additions to the current slot (reset in place when its minute is over), no allocation. Not locked:
    its owner (JobsTracker) calls it under its own lock."""

    def __init__(self):
        self._rings: Dict[str, List[list]] = {}
        self._last = (None, None, None)  # (minute, type, its slot): a batch's jobs share both

    def _slot(self, type: str, now: float) -> list:
        minute = int(now // 60)
        last = self._last
        if last[0] == minute and last[1] == type:
            return last[2]
        ring = self._rings.get(type)
        if ring is None:
            ring = self._rings[type] = _empty_ring()
        slot = ring[minute % MINUTES]
        if slot[0] != minute:
            slot[0] = minute
            for i in range(1, _WIDTH):
                slot[i] = 0
        self._last = (minute, type, slot)
        return slot

    def enqueued(self, type: str, now: float):
        self._slot(type, now)[ENQUEUED] += 1

    def taken(self, type: str, now: float, wait: float):
        slot = self._slot(type, now)
        slot[WAIT_COUNT] += 1
        slot[WAIT_SUM] += wait
        if wait > slot[WAIT_MAX]:
            slot[WAIT_MAX] = wait

    def finished(self, type: str, now: float, status: str, run: Optional[float]):
        """A job of ``type`` finished with ``status``; ``run``: its last attempt's seconds (None: it never ran)."""
        slot = self._slot(type, now)
        slot[OUTCOMES.get(status, FAILED)] += 1
        if run is not None:
            slot[RUN_COUNT] += 1
            slot[RUN_SUM] += run
            if run > slot[RUN_MAX]:
                slot[RUN_MAX] = run

    def types(self) -> List[str]:
        return list(self._rings)

    def _series(self, type: str, now: float) -> List[list]:
        """The slots of the last ``MINUTES`` minutes of ``type``, oldest first (zeros where nothing happened)."""
        minute = int(now // 60)
        ring = self._rings.get(type)
        result = []
        for m in range(minute - MINUTES + 1, minute + 1):
            slot = ring[m % MINUTES] if ring is not None else None
            result.append(slot if slot is not None and slot[0] == m else None)
        return result

    def per_minute(self, type: str, now: float) -> List[list]:
        """[enqueued, done, failed (cancelled not included)] per minute, oldest first (the overview's sparkline)."""
        return [[s[ENQUEUED], s[DONE], s[FAILED]] if s is not None else [0, 0, 0] for s in self._series(type, now)]

    def history(self, type: str, now: Optional[float] = None) -> dict:
        """The last hour of ``type`` as series of one value per minute, oldest first: ``enqueued``, ``done``,
        ``failed``, ``cancelled`` (counts) and ``wait_mean``, ``wait_max``, ``run_mean``, ``run_max``
        (seconds; None in a minute with no take or no run); ``start``: the first minute's epoch seconds."""
        now = time.time() if now is None else now
        series = self._series(type, now)
        result: Dict[str, list] = {name: [] for name in (
            'enqueued', 'done', 'failed', 'cancelled', 'wait_mean', 'wait_max', 'run_mean', 'run_max')}
        for slot in series:
            s = slot if slot is not None else [0] * _WIDTH
            for name, index in (('enqueued', ENQUEUED), ('done', DONE), ('failed', FAILED),
                                ('cancelled', CANCELLED)):
                result[name].append(s[index])
            for name, count, total, top in (('wait', WAIT_COUNT, WAIT_SUM, WAIT_MAX), ('run', RUN_COUNT, RUN_SUM,
                                                                                       RUN_MAX)):
                result[name + '_mean'].append(s[total] / s[count] if s[count] else None)
                result[name + '_max'].append(s[top] if s[count] else None)
        return {'start': (int(now // 60) - MINUTES + 1) * 60, 'minutes': MINUTES, **result}
