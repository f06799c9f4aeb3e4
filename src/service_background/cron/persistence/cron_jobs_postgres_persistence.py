"""The store of cron jobs and their claimed runs on PostgreSQL: a run is claimed by one conditional
UPDATE, so processes sharing the database fire each (job, planned time) once."""
from datetime import datetime
from typing import List, Optional

from service_background.cron.data.version1 import CronJobV1
from service_background.cron.persistence.cron_postgres_persistence import NUMBER, TEXT_KEY, CronPostgresPersistence
from service_background.cron.persistence.i_cron_jobs_persistence import ICronJobsPersistence


class CronJobsPostgresPersistence(CronPostgresPersistence, ICronJobsPersistence):
    """Table ``table`` (default "cron_jobs"), keyed by (group_name, job_id): the primary key serves
    lookups, claims and the (group, job) order; a partial index the active jobs; an index on updated
    the change feed; one on (group_name, name) the delete by name."""
    shared = True

    def __init__(self):
        super().__init__('cron_jobs', CronJobV1, ('group_name', 'job_id'))

    def _migrations(self) -> List[str]:
        t = self.table()
        return [f'CREATE TABLE {t} (group_name {TEXT_KEY} NOT NULL, job_id {TEXT_KEY} NOT NULL, name text, '
                f'exec_time {NUMBER}, request_url text, interval_pattern text, exec_command text, '
                f'timeout {NUMBER}, memo text, active boolean, next_run timestamptz, last_run timestamptz, '
                'last_result json, created timestamptz, updated timestamptz, PRIMARY KEY (group_name, job_id)); '
                f'CREATE INDEX {t}_active ON {t} (group_name, job_id) WHERE active; '
                f'CREATE INDEX {t}_updated ON {t} (updated); '
                f'CREATE INDEX {t}_name ON {t} (group_name, name)']

    def get_jobs(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> List[CronJobV1]:
        if group_name is None:
            return self._list('true', (), 'group_name, job_id')
        return self._list('group_name = %s', (group_name,), 'job_id')

    def get_active_jobs(self, correlation_id: Optional[str]) -> List[CronJobV1]:
        return self._list('active', (), 'group_name, job_id')

    def get_changed_jobs(self, correlation_id: Optional[str], since: datetime) -> List[CronJobV1]:
        return self._list('updated > %s', (since,), 'updated')

    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self._get_by_key((group_name, job_id))

    def create_job(self, correlation_id: Optional[str], job: CronJobV1) -> Optional[CronJobV1]:
        return self._insert(job, replace=False)

    def set_job(self, correlation_id: Optional[str], job: CronJobV1) -> CronJobV1:
        return self._insert(job, replace=True)

    def update_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   fields: dict) -> Optional[CronJobV1]:
        return self._update_by_key((group_name, job_id), fields)

    def claim_run(self, correlation_id: Optional[str], group_name: str, job_id: str, planned: datetime,
                  next_run: Optional[datetime], last_run: Optional[datetime]) -> Optional[CronJobV1]:
        # One UPDATE: a rival claim waits on the row lock, then re-checks next_run and finds it moved.
        # IS NOT DISTINCT FROM: a job with nothing planned (None) is claimed as the other stores do.
        fields = {'next_run': next_run} if last_run is None else {'next_run': next_run, 'last_run': last_run}
        return self._update(fields, 'group_name = %s AND job_id = %s AND active AND next_run IS NOT DISTINCT FROM %s',
                            (group_name, job_id, planned))

    def set_last_result(self, correlation_id: Optional[str], group_name: str, job_id: str,
                        last_result: dict) -> None:
        self._update_by_key((group_name, job_id), {'last_result': last_result})

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self._delete_by_key((group_name, job_id))

    def delete_jobs(self, correlation_id: Optional[str], group_name: str,
                    name: Optional[str] = None) -> List[CronJobV1]:
        where, params = ('group_name = %s', [group_name]) if name is None else \
            ('group_name = %s AND name = %s', [group_name, name])
        rows = self._fetch_all(f'DELETE FROM {self.table()} WHERE {where} RETURNING *', params)
        return sorted(self._items(rows), key=lambda job: job.job_id)
