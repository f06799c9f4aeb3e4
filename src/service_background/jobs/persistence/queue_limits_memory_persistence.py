"""The queue limits in a dict (one process; the file store adds a journal)."""
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.i_queue_limits_persistence import IQueueLimitsPersistence


class QueueLimitsMemoryPersistence(MemoryPersistence, IQueueLimitsPersistence):
    def __init__(self):
        super().__init__(QueueLimitV1)
