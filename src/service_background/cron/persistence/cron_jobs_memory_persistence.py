"""The store of cron jobs and their claimed runs in memory (also the base of the file store)."""
from datetime import datetime
from typing import List, Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.persistence.i_cron_jobs_persistence import ICronJobsPersistence


class CronJobsMemoryPersistence(MemoryPersistence, ICronJobsPersistence):

    def __init__(self):
        super().__init__(CronJobV1)

    def _key(self, item: CronJobV1):
        return item.group_name, item.job_id

    def get_jobs(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> List[CronJobV1]:
        return self.get_list_by_filter(correlation_id, None if group_name is None else
                                       (lambda j: j.group_name == group_name), sort=lambda j: j.key)

    def get_active_jobs(self, correlation_id: Optional[str]) -> List[CronJobV1]:
        return self.get_list_by_filter(correlation_id, lambda j: j.active)

    def get_changed_jobs(self, correlation_id: Optional[str], since: datetime) -> List[CronJobV1]:
        return self.get_list_by_filter(correlation_id, lambda j: j.updated is not None and j.updated > since)

    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self._get_one_by_key(correlation_id, (group_name, job_id))

    def create_job(self, correlation_id: Optional[str], job: CronJobV1) -> Optional[CronJobV1]:
        with self._lock:
            if job.key in self._items:
                return None
            return self._store(job.clone())

    def set_job(self, correlation_id: Optional[str], job: CronJobV1) -> CronJobV1:
        with self._lock:
            return self._store(job.clone())

    # A run changes a few small fields of a job whose exec_command may be 256 KiB: on files these
    # writes journal only the changed fields (MemoryPersistence.patch).
    def update_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   fields: dict) -> Optional[CronJobV1]:
        return self.patch(correlation_id, (group_name, job_id), fields)

    def claim_run(self, correlation_id: Optional[str], group_name: str, job_id: str, planned: datetime,
                  next_run: Optional[datetime], last_run: Optional[datetime]) -> Optional[CronJobV1]:
        fields = {'next_run': next_run} if last_run is None else {'next_run': next_run, 'last_run': last_run}
        return self.patch(correlation_id, (group_name, job_id), fields,
                          lambda job: job.active and job.next_run == planned)

    def set_last_result(self, correlation_id: Optional[str], group_name: str, job_id: str,
                        last_result: dict) -> None:
        self.patch(correlation_id, (group_name, job_id), {'last_result': last_result})

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self.delete_by_key(correlation_id, (group_name, job_id))

    def delete_jobs(self, correlation_id: Optional[str], group_name: str,
                    name: Optional[str] = None) -> List[CronJobV1]:
        with self._lock:
            keys = [k for k, j in self._items.items()
                    if j.group_name == group_name and (name is None or j.name == name)]
            return [self._remove(k) for k in keys]
