"""The paused queues in a dict (one process; the file store adds a journal)."""
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1
from service_background.jobs.persistence.i_queue_pauses_persistence import IQueuePausesPersistence


class QueuePausesMemoryPersistence(MemoryPersistence, IQueuePausesPersistence):
    def __init__(self):
        super().__init__(QueuePauseV1)
