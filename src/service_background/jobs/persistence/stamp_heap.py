"""Ids ordered by a time stamp, for "what is due by now" without a scan (leases that ran out, jobs
the cleaner removes).

Entries are not removed in place: ``_live`` has each id's current stamp, and a heap entry whose stamp
is no longer its id's is skipped when it reaches the top. Once stale entries outnumber the live ones
(and a small floor) the heap is rebuilt from ``_live``, so it holds O(live ids) entries."""
import heapq
from typing import Dict, List, Tuple

REBUILD_FLOOR = 256


class StampHeap:

    def __init__(self):
        self._heap: List[Tuple[float, str]] = []
        self._live: Dict[str, float] = {}

    @property
    def entry_count(self) -> int:
        return len(self._heap)

    def __len__(self) -> int:
        return len(self._live)

    def set(self, id: str, stamp: float):
        if self._live.get(id) == stamp:
            return
        self._live[id] = stamp
        heapq.heappush(self._heap, (stamp, id))
        self._maybe_rebuild()

    def discard(self, id: str):
        if self._live.pop(id, None) is not None:
            self._maybe_rebuild()

    def stamp(self, id: str):
        return self._live.get(id)

    def pop_due(self, now: float, limit: int) -> List[str]:
        """Up to ``limit`` ids whose stamp is <= now, oldest first. They stay live until the caller
        changes or removes them (``set`` again to see one once more)."""
        result = []
        heap, live = self._heap, self._live
        while heap and heap[0][0] <= now and len(result) < limit:
            stamp, id = heapq.heappop(heap)
            if live.get(id) == stamp:
                result.append(id)
        return result

    def _maybe_rebuild(self):
        live = len(self._live)
        if len(self._heap) - live > max(live, REBUILD_FLOOR):
            self._heap = [(stamp, id) for id, stamp in self._live.items()]
            heapq.heapify(self._heap)
