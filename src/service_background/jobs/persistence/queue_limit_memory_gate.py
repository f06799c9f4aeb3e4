"""Queue limits on a memory or file jobs store: the running count and the claim under the store's lock
(one process owns such a store), a take counter per type and rate window."""
from datetime import datetime
from typing import Callable, Dict, List

from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.i_queue_limit_gate import FULL, IQueueLimitGate


class QueueLimitMemoryGate(IQueueLimitGate):

    def __init__(self, store_lock: Callable[[], object], running_count: Callable[[str], int]):
        self._store_lock = store_lock  # the jobs store's lock (the count a take relies on and its claim in one step)
        self._running_count = running_count
        self._windows: Dict[str, List[int]] = {}  # type -> [window, takes in it]

    def take(self, limit: QueueLimitV1, take_one, type: str, now: datetime, hold_ms: float):
        with self._store_lock():
            if limit.concurrency is not None and self._running_count(type) >= limit.concurrency:
                return None, FULL
            window = None
            if limit.rate_limit is not None:
                window = int(now.timestamp() * 1000) // limit.rate_period_ms
                counter = self._windows.get(type)
                if counter is not None and counter[0] == window and counter[1] >= limit.rate_limit:
                    return None, (window + 1) * limit.rate_period_ms
            job = take_one(type)
            if job is not None and window is not None:
                counter = self._windows.get(type)
                if counter is None or counter[0] != window:
                    self._windows[type] = [window, 1]
                else:
                    counter[1] += 1
            return job, None

    def job_left(self, job: JobV1):
        pass  # the store's running count moved with the job

    def group_slot_freed(self, job: JobV1):
        pass  # one process: the limits' own wake-up reaches every waiter

    def job_extended(self, job: JobV1):
        pass
