"""Takes from the MongoDB jobs store: one atomic find_one_and_update claim per job, in the fair order, keeping the
group limits (jobs_mongodb_groups.py); a part of JobsMongoDbPersistence over its collection."""
from datetime import datetime
from typing import Callable, List, Optional, Set

from pymongo import ReturnDocument

from service_background.common.data import clock
from service_background.common.persistence.mongodb_persistence import date_ms as _ms
from service_background.jobs.data.version1 import JobStatusV1, JobV1, job_transitions
from service_background.jobs.persistence.jobs_mongodb_groups import JobsMongoDbGroups

# priority, then the job's turn in its group (missing on an ungrouped job: it sorts first, as turn 0 does
# on the other stores), then created
TAKE_ORDER = [('priority', 1), ('group_turn', 1), ('created_ms', 1)]
_GIVE_BACKS = 20  # most jobs a take hands back to the queue before it answers with what it has


class JobsMongoDbTakes:
    """``from_doc`` is the store's conversion of a document, ``uniq_field`` the field of add_uniq_job's key,
    ``bump_signal(type)`` wakes the type's waiters of every process (a job handed back)."""

    def __init__(self, collection, groups: JobsMongoDbGroups, from_doc: Callable[[Optional[dict]], Optional[JobV1]],
                 uniq_field: str, bump_signal: Callable[[str], None]):
        self._collection = collection
        self._groups = groups
        self._from_doc = from_doc
        self._uniq_field = uniq_field
        self._bump_signal = bump_signal

    def take_many(self, type: Optional[str], now: datetime, timeout: Optional[float], default_timeout: float,
                  limit: int, worker_id: Optional[str]) -> List[JobV1]:
        if self._groups.limited(type):
            jobs = self._take_limited(type, now, timeout, default_timeout, limit, worker_id)
        else:
            jobs = []
            while len(jobs) < limit:
                job = self._claim(type, now, timeout, default_timeout, worker_id, ())
                if job is None:
                    break
                jobs.append(self._settle(job, now, timeout, default_timeout))
        self._groups.taken(jobs)
        return jobs

    def _take_limited(self, type: Optional[str], now: datetime, timeout: Optional[float], default_timeout: float,
                      limit: int, worker_id: Optional[str]) -> List[JobV1]:
        """Up to ``limit`` jobs, none of a group at its limit: the full groups are left out of the claims (one
        count first, then kept as the takes go), and a claim that finds its group over the limit (another
        process took the last slot meanwhile) is handed back and its group left out."""
        cap = self._groups.limit(type)
        running = self._groups.running_by_group(type) if cap is not None else {}
        excluded = {key for key, n in running.items() if n >= cap} if cap is not None else set()
        jobs: List[JobV1] = []
        given_back = 0
        while len(jobs) < limit and given_back < _GIVE_BACKS:
            job = self._claim(type, now, timeout, default_timeout, worker_id, excluded)
            if job is None:
                break
            key = job.group_key
            if self._groups.keeps_slot(job):
                jobs.append(self._settle(job, now, timeout, default_timeout))
                if key is not None and cap is not None:
                    running[key] = running.get(key, 0) + 1
                    if running[key] >= cap:
                        excluded.add(key)
                continue
            given_back += 1
            excluded.add(key)  # (a take of any type: that key of every type, for this take only)
            if self._groups.give_back(job):
                self._bump_signal(job.type)
        return jobs

    def _claim(self, type: Optional[str], now: datetime, timeout: Optional[float], default_timeout: float,
               worker_id: Optional[str], excluded: Set[str]) -> Optional[JobV1]:
        """The next job by the take order made running with a fresh lease, leaving out the groups ``excluded``."""
        query = {'status': JobStatusV1.Queued, 'not_before_ms': {'$lte': _ms(now)}}
        if type is not None:
            query['type'] = type
        if excluded:
            query['group_key'] = {'$nin': sorted(excluded)}  # matches ungrouped jobs too
        locked_until = clock.add_ms(now, timeout or default_timeout)
        update = {'$set': {'status': JobStatusV1.Running, 'started': now, 'locked_until': locked_until,
                           'lease_token': job_transitions.new_lease_token(), 'worker_id': worker_id},
                  '$inc': {'retries': 1}, '$unset': {'progress': '', 'progress_message': ''}}
        return self._from_doc(self._collection.find_one_and_update(query, update, sort=TAKE_ORDER,
                                                                   return_document=ReturnDocument.AFTER))

    def _settle(self, job: JobV1, now: datetime, timeout: Optional[float], default_timeout: float) -> JobV1:
        """What follows a claim that is kept: a unique lock that ends at the start, a lease of the job's own."""
        if job.unique_until == 'started':
            # its unique lock ends with this take (a crash before this write: the next add sees the
            # holder running and unsets the field itself)
            self._collection.update_one({'_id': job.id, 'unique_until': 'started'},
                                        {'$unset': {self._uniq_field: ''}})
        if not timeout and job.timeout and job.timeout != default_timeout:
            # the job asked for its own lease: it is ours already, so a second write is safe
            job.locked_until = clock.add_ms(now, job.timeout)
            self._collection.update_one({'_id': job.id, 'retries': job.retries, 'lease_token': job.lease_token},
                                        {'$set': {'locked_until': job.locked_until}})
        return job
