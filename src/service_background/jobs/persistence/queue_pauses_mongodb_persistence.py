"""The paused queues in a MongoDB collection, shared by every process of the service."""
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1
from service_background.jobs.persistence.i_queue_pauses_persistence import IQueuePausesPersistence


class QueuePausesMongoDbPersistence(MongoDbPersistence, IQueuePausesPersistence):
    def __init__(self):
        super().__init__('queue_pauses', QueuePauseV1)
