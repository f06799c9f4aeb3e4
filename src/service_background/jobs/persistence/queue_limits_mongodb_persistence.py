"""The queue limits in a MongoDB collection, shared by every process of the service."""
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.i_queue_limits_persistence import IQueueLimitsPersistence


class QueueLimitsMongoDbPersistence(MongoDbPersistence, IQueueLimitsPersistence):
    def __init__(self):
        super().__init__('queue_limits', QueueLimitV1)
