"""Per-type priority heaps of queued jobs, so a take costs O(log n) instead of a scan.

Entries are never removed in place: each queued job has one live token, and an entry whose token
is no longer live (the job was started, deleted, finished or re-queued) is dropped when it reaches
the top. Delayed jobs wait in one heap ordered by ``not_before`` and move to their type's heap when
due."""
import heapq
import itertools
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from ..data.version1 import JobV1


class JobQueueIndex:

    def __init__(self):
        self._ready: Dict[str, List[Tuple[int, float, int, str]]] = {}
        self._delayed: List[Tuple[float, int, str, str, int]] = []
        self._tokens: Dict[str, int] = {}
        self._seq = itertools.count()

    def clear(self):
        self.__init__()

    def __len__(self) -> int:
        return len(self._tokens)

    def add(self, job: JobV1, now: datetime):
        token = next(self._seq)
        self._tokens[job.id] = token
        created = job.created.timestamp() if job.created else 0.0
        if job.not_before is not None and job.not_before > now:
            heapq.heappush(self._delayed, (job.not_before.timestamp(), token, job.id, job.type, job.priority, created))
        else:
            heapq.heappush(self._ready.setdefault(job.type, []), (job.priority, created, token, job.id))

    def remove(self, job_id: str):
        self._tokens.pop(job_id, None)

    def _promote_due(self, now: datetime):
        limit = now.timestamp()
        delayed = self._delayed
        while delayed and delayed[0][0] <= limit:
            _, token, job_id, job_type, priority, created = heapq.heappop(delayed)
            if self._tokens.get(job_id) == token:
                heapq.heappush(self._ready.setdefault(job_type, []), (priority, created, token, job_id))

    def _top(self, job_type: str) -> Optional[Tuple[int, float, int, str]]:
        heap = self._ready.get(job_type)
        while heap:
            entry = heap[0]
            if self._tokens.get(entry[3]) == entry[2]:
                return entry
            heapq.heappop(heap)
        if heap is not None:
            del self._ready[job_type]  # keeps the any-type take's walk over types short
        return None

    def pop(self, job_type: Optional[str], now: datetime) -> Optional[str]:
        """The id of the first due job of the type (any type when None), taken off the queue."""
        self._promote_due(now)
        if job_type is not None:
            best_type = job_type if self._top(job_type) is not None else None
        else:
            tops = [(entry, name) for name in list(self._ready) for entry in [self._top(name)] if entry]
            best_type = min(tops)[1] if tops else None
        if best_type is None:
            return None
        entry = heapq.heappop(self._ready[best_type])
        del self._tokens[entry[3]]
        return entry[3]
