"""The fair queues' bookkeeping of a memory (or file) jobs store: per (type, group key) the next turn and the
queued and running jobs, per type the turn clock and the group limit. Kept under the store's lock."""
from typing import Callable, Dict, List, Optional

from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.persistence.job_queue_index import JobQueueIndex

_QUEUED, _RUNNING = JobStatusV1.Queued, JobStatusV1.Running


class JobGroupsIndex:
    """A group is known while it has queued or running jobs: ``[queued, running, next turn]``. A new job's turn
    is ``max(the group's next turn, the type's clock)``, the clock being the highest turn taken of the type, so
    a group that joins late starts at the current round instead of behind every queued job. Limits: the
    store's queue index parks a full group's jobs on a take (``park``); they go back here, one when a
    job of the group stops running or leaves the queue otherwise than by a take, all when the limit rises."""

    def __init__(self, queue: JobQueueIndex, job_of: Callable[[str], JobV1]):
        self._queue = queue
        self._job_of = job_of  # a queued job by its id (the store's)
        self._groups: Dict[str, Dict[str, List[int]]] = {}  # type -> group key -> [queued, running, next turn]
        self._clock: Dict[str, int] = {}  # type -> the highest turn of its grouped jobs taken
        self._limits: Dict[str, int] = {}  # type -> most running jobs per group key

    def clear(self):
        """Forgets the jobs (the store reloads them); the limits stay."""
        self._groups = {}
        self._clock = {}

    def next_turn(self, type: str, group: str) -> int:
        """The turn of a new job of the group (the group's next turn moves past it)."""
        clock = self._clock.get(type, 0)
        groups = self._groups.get(type)  # get before set: no dict or list made for a group already known
        if groups is None:
            groups = self._groups[type] = {}
        counts = groups.get(group)
        if counts is None:
            counts = groups[group] = [0, 0, clock]
        turn = counts[2] if counts[2] > clock else clock
        counts[2] = turn + 1
        return turn

    def changed(self, job: JobV1, old_status: Optional[str], status: Optional[str]):
        """A grouped job went from ``old_status`` to ``status`` (None: not stored; ``old_status`` None: created,
        or read at open, where a job that was ever taken moves the clock and the group's next turn follows it)."""
        if old_status == status:
            return
        type, turn = job.type, job.group_turn
        if turn is not None and (status == _RUNNING or (old_status is None and job.started is not None)) \
                and turn > self._clock.get(type, -1):
            self._clock[type] = turn
        queued = (status == _QUEUED) - (old_status == _QUEUED)  # runs on every write: counts by arithmetic
        running = (status == _RUNNING) - (old_status == _RUNNING)
        if not queued and not running:
            return
        group = job.group_key
        groups = self._groups.get(type)
        counts = groups.get(group) if groups is not None else None
        if counts is None:
            if groups is None:
                groups = self._groups[type] = {}
            counts = groups[group] = [0, 0, self._clock.get(type, 0)]
        counts[0] += queued
        counts[1] += running
        if old_status is None and turn is not None and turn >= counts[2]:
            counts[2] = turn + 1
        if counts[0] <= 0 and counts[1] <= 0:
            del groups[group]
            if not groups:
                del self._groups[type]
        if self._limits and (running < 0 or (queued < 0 and not running)) and type in self._limits:
            self._queue.unpark(type, group, 1)  # a slot, or a place among the group's visible jobs, freed

    @property
    def park(self) -> Optional[Callable[[str, str], Optional[str]]]:
        """The take's ``park`` for the queue index while any type has a group limit (else None: the take
        looks at no group)."""
        return self._full_group if self._limits else None

    def set_limits(self, limits: Dict[str, int]):
        """Replaces the limits; the parked jobs of a type whose limit rose or went go back to its queue."""
        old, self._limits = self._limits, {type: int(limit) for type, limit in limits.items()}
        for type, limit in old.items():
            if self._limits.get(type, limit + 1) > limit:
                self._queue.unpark_type(type)

    def _full_group(self, type: str, id: str) -> Optional[str]:
        """The queued job's group when its type has a group limit that the group's running jobs reach, else None."""
        limit = self._limits.get(type)
        if limit is None:
            return None
        group = self._job_of(id).group_key
        if group is None:
            return None
        counts = self._groups.get(type, {}).get(group)
        return group if counts is not None and counts[1] >= limit else None

    def counts(self, type: str, limit: int) -> List[dict]:
        """[{group_key, queued, running}] of the type's groups, most queued first."""
        groups = sorted(self._groups.get(type, {}).items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
        return [{'group_key': group, 'queued': counts[0], 'running': counts[1]}
                for group, counts in groups[:limit] if counts[0] > 0 or counts[1] > 0]
