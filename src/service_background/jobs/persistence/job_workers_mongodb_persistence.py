"""The live workers in a MongoDB collection, shared by every process of the service."""
from typing import List, Optional

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence, date_ms
from service_background.jobs.data.version1.job_worker_v1 import JobWorkerV1
from service_background.jobs.persistence.i_job_workers_persistence import IJobWorkersPersistence


class JobWorkersMongoDbPersistence(MongoDbPersistence, IJobWorkersPersistence):
    def __init__(self):
        super().__init__('job_workers', JobWorkerV1)

    def delete_unchanged(self, correlation_id: Optional[str], workers: List[JobWorkerV1]) -> int:
        # the ms twin, not the date: the wire server compares dates to the whole second
        return sum(self._collection.delete_one({'_id': worker.id, 'last_seen_ms': date_ms(worker.last_seen)})
                   .deleted_count for worker in workers)
