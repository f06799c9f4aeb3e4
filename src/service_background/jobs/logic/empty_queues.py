"""Queues a take has just found empty, so that want_job calls meanwhile wait without a take of their own
(thousands of long-polls re-sent when their blocks run out; on MongoDB each take is a query).

Every path that may make a job takeable marks its queue with how many jobs (even with no one waiting):
adds, releases, give-backs, the lease tick for delayed jobs that fell due, and on MongoDB the shared
counter of jobs added by other processes. Once a take found a queue empty, a want_job takes only for a
job marked since (one take per job: a herd of re-sent long-polls does not all query for one job), or to
look again once ``EMPTY_HINT_S`` passed (what no mark announces; one look at a time, and while looks
find jobs the next want_job looks again). A take that finds nothing read the marks before it looked, so
the jobs of those marks were gone: its finding replaces the hint."""
import threading
import time
from typing import Dict, Iterable, Optional, Tuple

# How long "empty" stands with no mark: a job no mark announces is seen by a new want_job at most this late.
EMPTY_HINT_S = 0.1
_MAX_TYPES = 10000  # beyond it marks and hints start over (queue names are callers' strings)


class _Empty:
    __slots__ = ('marked', 'since', 'credited')

    def __init__(self, marked: int, since: float):
        self.marked = marked  # the queue's marks when the take that found it empty began
        self.since = since
        self.credited = 0  # takes let through since, for jobs marked after it


class EmptyQueueHints:

    def __init__(self):
        self._lock = threading.Lock()  # marks come from any thread
        self._marked: Dict[str, int] = {}  # type -> jobs marked takeable so far
        self._empty: Dict[str, _Empty] = {}  # read and written on the event loop only

    def mark(self, type: str, count: int = 1):
        with self._lock:
            self._marked[type] = self._marked.get(type, 0) + count

    def mark_jobs(self, jobs: Iterable):
        with self._lock:
            marked = self._marked
            for job in jobs:
                if job is not None:
                    marked[job.type] = marked.get(job.type, 0) + 1

    def admit(self, type: str) -> Optional[Tuple[int, bool]]:
        """(the marks now, whether it looks again after EMPTY_HINT_S) when a want_job should take; None when
        it should wait without one."""
        marked = self._marked.get(type, 0)
        hint = self._empty.get(type)
        if hint is None:
            return marked, False
        now = time.monotonic()
        if now - hint.since >= EMPTY_HINT_S:
            hint.since = now  # one looks; the others wait on it meanwhile
            return marked, True
        if marked - hint.marked > hint.credited:
            hint.credited += 1
            return marked, False
        return None

    def taken(self, type: str, admitted: Tuple[int, bool], found: Optional[bool]):
        """What a take ``admit`` let through found (None: it failed, so the next ones take)."""
        if found is None:
            self._empty.pop(type, None)
            return
        marked, looked_again = admitted
        if not found:
            self._empty[type] = _Empty(marked, time.monotonic())
        elif looked_again:
            hint = self._empty.get(type)
            if hint is not None:
                hint.since = 0.0  # maybe more jobs no mark announced: the next one looks too (one at a time)

    def bound(self):
        """Starts over once callers have named too many queues (the lease tick)."""
        if len(self._marked) > _MAX_TYPES or len(self._empty) > _MAX_TYPES:
            with self._lock:
                self._marked = {}
            self._empty = {}
