"""The live workers in a dict: one process's own registry. The file backend uses it too: workers are live
state, gone when they stop calling in, so nothing is worth a journal."""
from typing import List, Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.jobs.data.version1.job_worker_v1 import JobWorkerV1
from service_background.jobs.persistence.i_job_workers_persistence import IJobWorkersPersistence


class JobWorkersMemoryPersistence(MemoryPersistence, IJobWorkersPersistence):
    def __init__(self):
        super().__init__(JobWorkerV1)

    def delete_unchanged(self, correlation_id: Optional[str], workers: List[JobWorkerV1]) -> int:
        seen = {worker.id: worker.last_seen for worker in workers}
        return self.delete_by_filter(correlation_id, lambda item: item.id in seen and seen[item.id] == item.last_seen)
