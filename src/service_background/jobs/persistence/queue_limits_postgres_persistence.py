"""The queue limits in a PostgreSQL table, shared by every process of the service."""
from service_background.common.persistence.postgres_document_persistence import PostgresDocumentPersistence
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.i_queue_limits_persistence import IQueueLimitsPersistence


class QueueLimitsPostgresPersistence(PostgresDocumentPersistence, IQueueLimitsPersistence):
    def __init__(self):
        super().__init__('queue_limits', QueueLimitV1)
