"""The paused queues in a PostgreSQL table, shared by every process of the service."""
from service_background.common.persistence.postgres_document_persistence import PostgresDocumentPersistence
from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1
from service_background.jobs.persistence.i_queue_pauses_persistence import IQueuePausesPersistence


class QueuePausesPostgresPersistence(PostgresDocumentPersistence, IQueuePausesPersistence):
    def __init__(self):
        super().__init__('queue_pauses', QueuePauseV1)
