"""The cross-process queue signal of a MongoDB jobs store: one small document per job type, {_id: type,
n: jobs made takeable so far}, bumped by one write per add / add_jobs / release call.

One poller per process (the controller's long-polls, only while they have waiters) reads them all with one
find and wakes the waiters of the types whose count grew; the increments this process made itself (its
waiters were woken at once) are subtracted."""
import threading
from typing import Dict, List

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from service_background.common.data import clock
from service_background.common.persistence.mongodb_persistence import date_ms as _ms
from service_background.jobs.data.version1 import JobStatusV1, JobV1


class JobsQueueSignals:
    """A part of JobsMongoDbPersistence: ``<jobs collection>_signals`` while the store is open."""

    def __init__(self, logger):
        self._logger = logger
        self._signals = None
        self._lock = threading.Lock()
        self._own: Dict[str, int] = {}  # increments of this process not yet seen by its poller

    def open(self, collection):
        self._signals = collection

    def close(self):
        self._signals = None

    def bump_jobs(self, jobs: List[JobV1]):
        """Counts the jobs that became takeable now, per type."""
        now_ms = _ms(clock.now())
        counts: Dict[str, int] = {}
        for job in jobs:
            if job is not None and job.status == JobStatusV1.Queued and (
                    job.not_before is None or _ms(job.not_before) <= now_ms):
                counts[job.type] = counts.get(job.type, 0) + 1
        if not counts or self._signals is None:
            return
        with self._lock:  # counted before the write lands: a poll can never take it for foreign
            for name, n in counts.items():
                self._own[name] = self._own.get(name, 0) + n
        ops = [UpdateOne({'_id': name}, {'$inc': {'n': n}}, upsert=True) for name, n in counts.items()]
        try:
            try:
                self._signals.bulk_write(ops, ordered=False)
            except BulkWriteError as ex:
                # two first upserts of a type raced: the document exists now, so increment the rest
                failed = {e['index'] for e in ex.details.get('writeErrors', [])}
                if failed:
                    self._signals.bulk_write([ops[i] for i in sorted(failed)], ordered=False)
        except Exception as ex:
            with self._lock:
                for name, n in counts.items():
                    self._own[name] = max(0, self._own.get(name, 0) - n)
            self._logger.warn(None, f'Could not bump the jobs queue signal: {ex}')

    def bump(self, type: str, n: int = 1):
        """Bumps the type's signal without a job (queue limits: a slot freed), so waiters of other
        processes try a take again."""
        if self._signals is None:
            return
        with self._lock:
            self._own[type] = self._own.get(type, 0) + n
        try:
            self._signals.update_one({'_id': type}, {'$inc': {'n': n}}, upsert=True)
        except Exception as ex:  # a lost race of the first upsert, or the database is away: waiters poll on
            self._logger.warn(None, f'Could not bump the jobs queue signal: {ex}')

    def read(self) -> Dict[str, int]:
        """Every type's signal counter (one cheap query: a document per type)."""
        return {doc['_id']: doc.get('n', 0) for doc in self._signals.find({}, {'n': 1})}

    def foreign(self, type: str, delta: int) -> int:
        """How many of ``delta`` new increments of ``type`` came from other processes."""
        with self._lock:
            own = self._own.get(type, 0)
            mine = min(own, delta)
            if own - mine:
                self._own[type] = own - mine
            else:
                self._own.pop(type, None)
        return delta - mine
