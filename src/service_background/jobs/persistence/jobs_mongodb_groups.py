"""Fair queues on MongoDB: group turns given at create, group limits kept by takes, group counts; a part of
JobsMongoDbPersistence over its collection and ``<jobs collection>_groups``.

Turns: ``_groups`` keeps a document per (type, group_key) with the group's next turn and one per type with its
clock, the highest turn taken (a ``$max``). A job gets ``max(its group's next turn, the clock)``. The clock is
the highest turn taken rather than the lowest turn queued: the lowest queued would need one more index on the
jobs and a walk past every delayed or waiting job at each create, and would hold a new group's turns back while
one old job waits; the taken one is written only when a take passes the highest turn this process has written
(round-robin over k groups: once every k takes), so a take of grouped jobs mostly costs nothing more.

Limits: a take of a limited type leaves out the groups that run their limit (one count of the type's running
jobs by group); two processes may still take the last slot of a group at once, so after a take the taker reads
the group's running jobs by (started, id): a job past the first N goes back to the queue at once; a job among
them is kept only once the group runs at most N (the others give theirs back meanwhile), else it goes back too.
The order alone cannot decide: ``started`` is the taker's clock, which need not follow the order the takes
landed in, and a job handed out already cannot be taken back; a count of at most N, read after our take
landed, can: of N + 1 jobs the last one to land would read N + 1."""
import time
from typing import Dict, Iterable, List, Optional, Tuple

from pymongo import InsertOne, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from service_background.common.data.ids import random_hex
from service_background.jobs.data.version1 import JobStatusV1, JobV1

_ATTEMPTS = 20
_SETTLE_READS = 12  # reads of a group's running jobs while a racing take gives its job back
_RACERS = 100  # most running jobs of a group a check reads past the limit


def _group_id(type: str, group_key: str) -> str:
    return f'g{len(type)}:{type}{group_key}'  # the type's length first: no two (type, key) pairs meet


def _clock_id(type: str) -> str:
    return 'c:' + type


class JobsMongoDbGroups:
    """``jobs`` is the store's (twin) collection, ``groups`` the side collection of counters."""

    def __init__(self, jobs, groups):
        self._jobs = jobs
        self._groups = groups
        self._limits: Dict[str, int] = {}
        self._clock_written: Dict[str, int] = {}  # type -> the highest clock this process knows is stored

    def clear(self):
        self._groups.delete_many({})
        self._clock_written = {}

    # --- turns -------------------------------------------------------------------------------
    def assign_turns(self, jobs: Iterable[JobV1]):
        """Gives each grouped job without a turn the next turns of its group; jobs of one group take
        consecutive turns in their order. Two round trips for a whole batch: one read of its groups and clocks,
        one bulk of compare-and-set writes (each guarded on the value read, signed with this call's token); a
        group whose write did not land (another process moved it) goes through ``_reserve`` alone."""
        wanted: Dict[str, Tuple[str, List[JobV1]]] = {}  # group id -> (type, its jobs)
        for job in jobs:
            if job.group_key is not None and job.group_turn is None:
                wanted.setdefault(_group_id(job.type, job.group_key), (job.type, []))[1].append(job)
        if not wanted:
            return
        clock_ids = {_clock_id(type) for type, _ in wanted.values()}
        stored = {doc['_id']: doc for doc in self._groups.find({'_id': {'$in': sorted(clock_ids) + list(wanted)}})}
        token = random_hex(8)
        ops, plan = [], {}  # plan: group id -> (first turn, clock)
        for id, (type, group) in wanted.items():
            clock = stored.get(_clock_id(type), {}).get('turn', 0)
            self._note_clock(type, clock)
            doc = stored.get(id)
            first = clock if doc is None else max(doc['next'], clock)
            new = {'_id': id, 'next': first + len(group), 'by': token}
            ops.append(InsertOne(new) if doc is None else UpdateOne({'_id': id, 'next': doc['next']}, {'$set': new}))
            plan[id] = (first, clock)
        try:
            landed = self._groups.bulk_write(ops, ordered=False).matched_count + sum(
                isinstance(op, InsertOne) for op in ops) == len(ops)
        except BulkWriteError:  # a group made meanwhile by another process
            landed = False
        if not landed:
            mine = {doc['_id'] for doc in self._groups.find({'_id': {'$in': list(wanted)}, 'by': token}, {'_id': 1})}
            for id, (_, clock) in list(plan.items()):
                if id not in mine:  # (a write of ours overwritten since only leaves a gap)
                    plan[id] = (self._reserve(id, clock, len(wanted[id][1])), clock)
        for id, (first, _) in plan.items():
            for i, job in enumerate(wanted[id][1]):
                job.group_turn = first + i

    def _reserve(self, id: str, clock: int, n: int) -> int:
        """The first of ``n`` turns of a group, from ``max(its next turn, clock)``: an ``$inc`` where the group
        is at or past the clock (the usual case: one round trip), else a ``$set`` guarded on being behind it."""
        for _ in range(_ATTEMPTS):
            doc = self._groups.find_one_and_update({'_id': id, 'next': {'$gte': clock}}, {'$inc': {'next': n}},
                                                   return_document=ReturnDocument.AFTER)
            if doc is not None:
                return doc['next'] - n
            try:  # behind the clock or new: an upsert that meets a group moved on raises (nx-27017: None)
                doc = self._groups.find_one_and_update({'_id': id, 'next': {'$lt': clock}},
                                                       {'$set': {'next': clock + n}}, upsert=True,
                                                       return_document=ReturnDocument.AFTER)
            except DuplicateKeyError:
                doc = None
            if doc is not None:
                return clock
        raise RuntimeError(f'The turns of group {id} kept changing')

    def _note_clock(self, type: str, turn: int):
        if turn > self._clock_written.get(type, -1):
            self._clock_written[type] = turn

    def taken(self, jobs: Iterable[JobV1]):
        """Moves the clocks past the turns just taken (a write only when a type's turn passes what this process
        knows is stored)."""
        highest: Dict[str, int] = {}
        for job in jobs:
            turn = job.group_turn
            if turn is not None and turn > self._clock_written.get(job.type, -1) and turn > highest.get(job.type, -1):
                highest[job.type] = turn
        for type, turn in highest.items():
            try:
                self._groups.update_one({'_id': _clock_id(type)}, {'$max': {'turn': turn}}, upsert=True)
            except DuplicateKeyError:  # two first upserts raced: the document is there now
                self._groups.update_one({'_id': _clock_id(type)}, {'$max': {'turn': turn}})
            self._note_clock(type, turn)

    # --- limits ------------------------------------------------------------------------------
    def set_limits(self, limits: Dict[str, int]):
        self._limits = dict(limits)  # replaced whole: a take reads one map or the other

    def limit(self, type: Optional[str]) -> Optional[int]:
        return self._limits.get(type) if type is not None else None

    def limited(self, type: Optional[str]) -> bool:
        """Whether a take of ``type`` must keep group limits (None: any type, when any type has one)."""
        return bool(self._limits) if type is None else type in self._limits

    def running_by_group(self, type: str) -> Dict[str, int]:
        """The type's running jobs per group key (one aggregation over the running jobs of the type)."""
        pipeline = [{'$match': {'type': type, 'status': JobStatusV1.Running}},
                    {'$group': {'_id': '$group_key', 'n': {'$sum': 1}}}]
        return {doc['_id']: doc['n'] for doc in self._jobs.aggregate(pipeline) if doc['_id'] is not None}

    def keeps_slot(self, job: JobV1) -> bool:
        """Whether a job just taken may run: its group runs at most its type's limit, this job counted (a job
        among the first N by (started, id) waits a little for racers past them to give theirs back)."""
        limit = self._limits.get(job.type)
        if limit is None or job.group_key is None:
            return True
        query = {'type': job.type, 'status': JobStatusV1.Running, 'group_key': job.group_key}
        for attempt in range(_SETTLE_READS):
            cursor = self._jobs.find(query, {'_id': 1}).sort([('started_ms', 1), ('_id', 1)]).limit(limit + _RACERS)
            ids = [doc['_id'] for doc in cursor]
            if len(ids) <= limit:
                return True
            if job.id not in ids[:limit]:
                return False
            time.sleep(0.001 * (attempt + 1))  # a racer past the first N hands its job back within a round trip
        return False

    def give_back(self, job: JobV1) -> bool:
        """A job taken past its group's limit goes back to the queue as it was (its turn kept), guarded on our
        lease; True when it did."""
        result = self._jobs.update_one(
            {'_id': job.id, 'status': JobStatusV1.Running, 'lease_token': job.lease_token},
            {'$set': {'status': JobStatusV1.Queued, 'locked_until': None},
             '$unset': {'lease_token': '', 'worker_id': '', 'started': ''}, '$inc': {'retries': -1}})
        return bool(result.matched_count)

    # --- the dashboard -----------------------------------------------------------------------
    def counts(self, type: str, limit: int) -> List[dict]:
        """[{group_key, queued, running}] of the type's groups with queued or running jobs, most queued first."""
        pipeline = [{'$match': {'type': type, 'status': JobStatusV1.Queued}},
                    {'$group': {'_id': '$group_key', 'n': {'$sum': 1}}}, {'$sort': {'n': -1, '_id': 1}},
                    {'$limit': limit + 1}]  # + 1: the ungrouped jobs' row (a null key) may be among them
        queued = [(doc['_id'], doc['n']) for doc in self._jobs.aggregate(pipeline) if doc['_id'] is not None]
        running = self.running_by_group(type)
        rows = [{'group_key': key, 'queued': n, 'running': running.get(key, 0)} for key, n in queued[:limit]]
        listed = {row['group_key'] for row in rows}
        idle = sorted(key for key in running if key not in listed)
        rows += [{'group_key': key, 'queued': 0, 'running': running[key]} for key in idle]
        return rows[:limit]
