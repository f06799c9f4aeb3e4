"""The job batches in a PostgreSQL table, shared by every process of the service."""
from datetime import datetime
from typing import Optional

from service_background.common.persistence.postgres_document_persistence import PostgresDocumentPersistence
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.persistence.i_job_batches_persistence import IJobBatchesPersistence


class JobBatchesPostgresPersistence(PostgresDocumentPersistence, IJobBatchesPersistence):
    def __init__(self):
        super().__init__('job_batches', JobBatchV1)

    def claim_done(self, correlation_id: Optional[str], batch_id: str, now: datetime) -> bool:
        return self.patch(correlation_id, batch_id, {'done': True, 'completed': now},
                          {'sealed': True, 'done': False}) is not None

    def set_fields(self, correlation_id: Optional[str], batch_id: str, fields: dict):
        self.patch(correlation_id, batch_id, fields)
