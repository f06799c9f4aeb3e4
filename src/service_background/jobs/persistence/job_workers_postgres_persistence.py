"""The live workers in a PostgreSQL table, shared by every process of the service."""
from typing import List, Optional

from service_background.common.data import clock
from service_background.common.persistence.postgres_document_persistence import PostgresDocumentPersistence
from service_background.jobs.data.version1.job_worker_v1 import JobWorkerV1
from service_background.jobs.persistence.i_job_workers_persistence import IJobWorkersPersistence


class JobWorkersPostgresPersistence(PostgresDocumentPersistence, IJobWorkersPersistence):
    def __init__(self):
        super().__init__('job_workers', JobWorkerV1)

    def delete_unchanged(self, correlation_id: Optional[str], workers: List[JobWorkerV1]) -> int:
        if not workers:
            return 0
        return self._execute(
            f'DELETE FROM {self.table()} AS w USING unnest(%s::text[], %s::text[]) AS s(id, last_seen) '
            "WHERE w.id = s.id AND w.doc->>'last_seen' = s.last_seen",
            ([worker.id for worker in workers], [clock.to_iso(worker.last_seen) for worker in workers]))
