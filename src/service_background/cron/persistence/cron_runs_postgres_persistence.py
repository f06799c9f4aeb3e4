"""The store of the run history of cron jobs on PostgreSQL: a run is added and the job's history
trimmed in one transaction."""
from typing import List, Optional

from service_background.cron.data.version1 import CronRunV1
from service_background.cron.persistence.cron_postgres_persistence import NUMBER, TEXT_KEY, CronPostgresPersistence
from service_background.cron.persistence.i_cron_runs_persistence import ICronRunsPersistence

_NEWEST_FIRST = 'started DESC NULLS LAST, id DESC'  # as MongoDB sorts: no start time sorts as the oldest


class CronRunsPostgresPersistence(CronPostgresPersistence, ICronRunsPersistence):
    """Table ``table`` (default "cron_runs"): an index per job, newest first, serves the history, its
    trim and the deletes."""

    def __init__(self):
        super().__init__('cron_runs', CronRunV1, ('id',))

    def _migrations(self) -> List[str]:
        t = self.table()
        return [f'CREATE TABLE {t} (id {TEXT_KEY} PRIMARY KEY, group_name {TEXT_KEY}, job_id {TEXT_KEY}, '
                f'job_name text, planned_time timestamptz, started timestamptz, duration_ms {NUMBER}, status text, '
                'code bigint, error text, output text, node_id text, stderr text); '
                f'CREATE INDEX {t}_job ON {t} (group_name, job_id, {_NEWEST_FIRST})']

    def add_run(self, correlation_id: Optional[str], run: CronRunV1, keep: int) -> CronRunV1:
        run = self._with_id(run)
        t = self.table()
        with self._transaction() as conn:
            stored = self._insert(run, replace=True, conn=conn)
            conn.execute(f'DELETE FROM {t} WHERE id IN (SELECT id FROM {t} WHERE group_name = %s AND job_id = %s '
                         f'ORDER BY {_NEWEST_FIRST} OFFSET %s)', (run.group_name, run.job_id, max(0, keep)))
        return stored

    def get_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        return self._list('group_name = %s AND job_id = %s', (group_name, job_id), _NEWEST_FIRST)

    def delete_runs(self, correlation_id: Optional[str], group_name: str, job_id: Optional[str] = None) -> int:
        if job_id is None:
            return self._delete_where('group_name = %s', (group_name,))
        return self._delete_where('group_name = %s AND job_id = %s', (group_name, job_id))
