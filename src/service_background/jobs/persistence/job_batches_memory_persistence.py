"""The job batches in a dict (one process; the file store adds a journal)."""
from datetime import datetime
from typing import Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.persistence.i_job_batches_persistence import IJobBatchesPersistence


class JobBatchesMemoryPersistence(MemoryPersistence, IJobBatchesPersistence):
    def __init__(self):
        super().__init__(JobBatchV1)

    def claim_done(self, correlation_id: Optional[str], batch_id: str, now: datetime) -> bool:
        return self.patch(correlation_id, batch_id, {'done': True, 'completed': now},
                          lambda batch: batch.sealed and not batch.done) is not None

    def set_fields(self, correlation_id: Optional[str], batch_id: str, fields: dict):
        self.patch(correlation_id, batch_id, fields)
