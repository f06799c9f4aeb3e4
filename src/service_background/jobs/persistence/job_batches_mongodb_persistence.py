"""The job batches in a MongoDB collection, shared by every process of the service."""
from datetime import datetime
from typing import Optional

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.persistence.i_job_batches_persistence import IJobBatchesPersistence


class JobBatchesMongoDbPersistence(MongoDbPersistence, IJobBatchesPersistence):
    def __init__(self):
        super().__init__('job_batches', JobBatchV1)

    def claim_done(self, correlation_id: Optional[str], batch_id: str, now: datetime) -> bool:
        return self.find_one_and_update(correlation_id, {'_id': batch_id, 'sealed': True, 'done': False},
                                        {'$set': {'done': True, 'completed': now}}) is not None

    def set_fields(self, correlation_id: Optional[str], batch_id: str, fields: dict):
        self._collection.update_one({'_id': batch_id}, {'$set': fields})
