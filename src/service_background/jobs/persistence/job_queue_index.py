"""Per-type priority heaps of queued jobs, so a take costs O(log n) instead of a scan.

Entries are not removed in place: each queued job has one live key, and an entry whose key is no
longer the job's live one (the job was started, deleted, finished or re-queued) is dropped when it
reaches the top. Delayed jobs wait in one heap ordered by ``not_before`` and move to their type's heap
when due. Stale entries are counted: once they outnumber the live ones (and a small floor), every heap
is rebuilt from its live entries, so the heaps hold O(live jobs) entries whatever was added and deleted
(amortised O(1) per removal: a rebuild costs O(live + stale) and needs more than live new stale ones).

To keep a queued job cheap (RSS per job), a ready entry is a 2-tuple ``(key, id)`` whose one int
``key`` packs (priority, group turn, created µs, sequence): ``(priority << 140) + (turn << 100) +
(created_us << 40) + seq`` orders exactly as that tuple, negative priorities included; an ungrouped
job is turn 0 (fair queues: a type's groups are served round-robin by turn). The live-key map holds
that same int object (no second number per job).

Group limits: a take given ``park`` moves an entry whose group may not run one more job into that
group's parked heap instead of handing it out, and ``unpark`` puts a group's best parked entries back
when its jobs stop running (each move O(log n); parked entries count as entries for the rebuild)."""
import heapq
import itertools
from datetime import datetime
from typing import Callable, Dict, Hashable, List, Optional, Tuple

from service_background.jobs.data.version1 import JobV1

_US_LIMIT = (1 << 60) - 1
REBUILD_FLOOR = 256  # stale entries tolerated before a rebuild even when few jobs are live
_SEQ_LIMIT = 1 << 40
_TURN_LIMIT = (1 << 40) - 1

# a take's ``park(type, job id)``: the group to park the entry under (its group runs its limit), or None
Park = Optional[Callable[[str, str], Optional[Hashable]]]

_last_created = (None, 0)  # the jobs of one add share one created datetime: convert it once


def _created_us(created: Optional[datetime]) -> int:
    global _last_created
    if created is None:
        return 0
    last, us = _last_created
    if created is last:
        return us
    us = min(max(int(created.timestamp() * 1_000_000), 0), _US_LIMIT)
    _last_created = (created, us)
    return us


class JobQueueIndex:

    def __init__(self):
        self._ready: Dict[str, List[Tuple[int, str]]] = {}
        self._delayed: List[Tuple[float, int, str, str]] = []
        self._parked: Dict[Tuple[str, Hashable], List[Tuple[int, str]]] = {}  # (type, group) -> its heap
        self._keys: Dict[str, int] = {}
        self._seq = itertools.count()
        self._due_counts: Dict[str, int] = {}  # promoted since the last pop_due_counts, per type
        self._entries = 0  # heap entries in every heap, live and stale

    @property
    def entry_count(self) -> int:
        """Entries held by the heaps, stale ones included (tests: O(live jobs))."""
        return self._entries

    def clear(self):
        self.__init__()

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, job: JobV1, now: datetime):
        key = (job.priority << 140) + (_created_us(job.created) << 40) + (next(self._seq) % _SEQ_LIMIT)
        turn = job.group_turn
        if turn is not None:
            key += min(max(turn, 0), _TURN_LIMIT) << 100
        self._keys[job.id] = key
        self._entries += 1
        if job.not_before is not None and job.not_before > now:
            heapq.heappush(self._delayed, (job.not_before.timestamp(), key, job.id, job.type))
        else:
            heapq.heappush(self._ready.setdefault(job.type, []), (key, job.id))
        self._maybe_rebuild()  # a re-queued job left its old entry stale

    def remove(self, job_id: str):
        if self._keys.pop(job_id, None) is not None:
            self._maybe_rebuild()

    def _maybe_rebuild(self):
        live = len(self._keys)
        if self._entries - live > max(live, REBUILD_FLOOR):
            self._rebuild()

    def _rebuild(self):
        keys = self._keys

        def rebuilt(heaps: dict) -> dict:
            result = {}
            for name, heap in heaps.items():
                kept = [entry for entry in heap if keys.get(entry[1]) is entry[0]]
                if kept:
                    heapq.heapify(kept)
                    result[name] = kept
            return result
        self._ready = rebuilt(self._ready)
        self._parked = rebuilt(self._parked)
        delayed = [entry for entry in self._delayed if keys.get(entry[2]) is entry[1]]
        heapq.heapify(delayed)
        self._delayed = delayed
        self._entries = sum(len(heap) for heap in self._ready.values()) + len(delayed) + \
            sum(len(heap) for heap in self._parked.values())

    def _promote_due(self, now: datetime):
        limit = now.timestamp()
        delayed = self._delayed
        while delayed and delayed[0][0] <= limit:
            _, key, job_id, job_type = heapq.heappop(delayed)
            if self._keys.get(job_id) is key:
                heapq.heappush(self._ready.setdefault(job_type, []), (key, job_id))
                self._due_counts[job_type] = self._due_counts.get(job_type, 0) + 1
            else:
                self._entries -= 1

    def pop_due_counts(self, now: datetime) -> Dict[str, int]:
        """How many delayed jobs of each type fell due since the last call (to wake their waiters)."""
        self._promote_due(now)
        counts, self._due_counts = self._due_counts, {}
        return counts

    def types_by_head(self, now: datetime, park: Park = None) -> List[str]:
        """The types with a due job, best head first (by priority, turn, created): an any-type take's walk."""
        self._promote_due(now)  # as the take does: delayed jobs that fell due join their heaps
        tops = [(entry, name) for name in list(self._ready) for entry in [self._top(name, park)] if entry]
        return [name for _, name in sorted(tops)]

    def _top(self, job_type: str, park: Park) -> Optional[Tuple[int, str]]:
        heap = self._ready.get(job_type)
        while heap:
            entry = heap[0]
            if self._keys.get(entry[1]) is entry[0]:
                group = park(job_type, entry[1]) if park is not None else None
                if group is None:
                    return entry
                heapq.heappush(self._parked.setdefault((job_type, group), []), heapq.heappop(heap))
                continue
            heapq.heappop(heap)
            self._entries -= 1
        if heap is not None:
            del self._ready[job_type]  # keeps the any-type take's walk over types short
        return None

    def pop(self, job_type: Optional[str], now: datetime, park: Park = None) -> Optional[str]:
        """The id of the first due job of the type (any type when None), taken off the queue; with ``park``,
        the entries of groups that may not run one more job are parked on the way."""
        self._promote_due(now)
        if job_type is not None:
            best_type = job_type if self._top(job_type, park) is not None else None
        else:
            tops = [(entry, name) for name in list(self._ready) for entry in [self._top(name, park)] if entry]
            best_type = min(tops)[1] if tops else None
        if best_type is None:
            return None
        entry = heapq.heappop(self._ready[best_type])
        self._entries -= 1
        del self._keys[entry[1]]
        return entry[1]

    def unpark(self, job_type: str, group: Hashable, count: int):
        """Up to ``count`` of the group's best parked jobs go back to their type's heap (a slot freed)."""
        spot = (job_type, group)
        parked = self._parked.get(spot)
        if parked is None:
            return
        while parked and count > 0:
            entry = heapq.heappop(parked)
            if self._keys.get(entry[1]) is entry[0]:
                heapq.heappush(self._ready.setdefault(job_type, []), entry)
                count -= 1
            else:
                self._entries -= 1
        if not parked:
            del self._parked[spot]

    def unpark_type(self, job_type: str):
        """Every parked job of the type goes back (its group limit was raised or removed)."""
        for spot in [spot for spot in self._parked if spot[0] == job_type]:
            self.unpark(job_type, spot[1], len(self._parked[spot]))
