"""Queue limits on a MongoDB jobs store, shared by every process: a slot document per running limited
job and a counter document per rate window, both claimed by atomic writes."""
from typing import Callable, Optional

from pymongo.errors import DuplicateKeyError

from service_background.common.persistence.mongodb_persistence import date_ms
from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.queue_limit_shared_gate import SharedQueueLimitGate


class QueueLimitMongoDbGate(SharedQueueLimitGate):
    """Slot documents ``{_id: "<type>#<i>", job_id, until_ms}`` in ``<jobs>_slots`` (the unique ``_id``
    makes one claim win; a slot whose until passed is deleted by the next claim that finds the type full)
    and a counter per rate window ``{_id: "<type>@<window>", n}`` in ``<jobs>_rates``."""

    def __init__(self, database, name: str, bump_signal: Callable[[str], None]):
        self._slots = database[name + '_slots']
        self._rates = database[name + '_rates']
        self._slots.create_index([('job_id', 1)])
        self._slots.create_index([('type', 1)])
        self._rates.create_index([('expires_ms', 1)])
        self._bump_signal = bump_signal  # a freed slot: waiters of other processes try again
        self._swept_ms = 0

    def _claim_slot(self, type: str, concurrency: int, now_ms: int, hold_ms: float) -> Optional[str]:
        for _ in range(concurrency + 5):
            held = list(self._slots.find({'type': type}, {'_id': 1, 'until_ms': 1}))
            if len(held) >= concurrency:
                expired = [doc for doc in held if (doc.get('until_ms') or 0) <= now_ms]
                if not expired:
                    return None
                self._slots.delete_one({'_id': expired[0]['_id'], 'until_ms': expired[0].get('until_ms')})
                continue
            used = {doc['_id'] for doc in held}
            slot_id = next(f'{type}#{i}' for i in range(concurrency + len(used)) if f'{type}#{i}' not in used)
            try:
                self._slots.insert_one({'_id': slot_id, 'type': type, 'job_id': '', 'until_ms': now_ms + int(hold_ms)})
                return slot_id
            except DuplicateKeyError:
                continue  # another claim won this number: look again
        return None

    def _count_rate(self, type: str, limit: QueueLimitV1, now_ms: int):
        window = now_ms // limit.rate_period_ms
        window_id = f'{type}@{window}'
        try:
            self._rates.update_one({'_id': window_id, 'n': {'$lt': limit.rate_limit}},
                                   {'$inc': {'n': 1}, '$setOnInsert': {
                                       'type': type, 'expires_ms': (window + 2) * limit.rate_period_ms}},
                                   upsert=True)
        except DuplicateKeyError:
            return None, (window + 1) * limit.rate_period_ms  # this window is full
        if now_ms - self._swept_ms > 60000:
            self._swept_ms = now_ms
            self._rates.delete_many({'expires_ms': {'$lt': now_ms}})
        return window_id, None

    def _give_back(self, slot_id: Optional[str], window_id: Optional[str]):
        if window_id is not None:
            self._rates.update_one({'_id': window_id}, {'$inc': {'n': -1}})
        if slot_id is not None:
            self._slots.delete_one({'_id': slot_id, 'job_id': ''})

    def _bind_slot(self, slot_id: str, job: JobV1, hold_until_ms: int):
        self._slots.update_one({'_id': slot_id}, {'$set': {'job_id': job.id, 'until_ms': date_ms(job.locked_until)}})

    def job_left(self, job: JobV1):
        if self._slots.delete_one({'job_id': job.id}).deleted_count:
            self._bump_signal(job.type)

    def group_slot_freed(self, job: JobV1):
        self._bump_signal(job.type)

    def job_extended(self, job: JobV1):
        self._slots.update_one({'job_id': job.id}, {'$set': {'until_ms': date_ms(job.locked_until)}})
