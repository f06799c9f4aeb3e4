import copy
from datetime import datetime
from typing import List, Optional

from ...common.memory_persistence import MemoryPersistence
from ..data.version1 import CronJobV1
from .i_cron_jobs_persistence import ICronJobsPersistence


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

    def update_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   fields: dict) -> Optional[CronJobV1]:
        fields = copy.deepcopy(fields)  # the store shares nothing with the caller

        def change(job: Optional[CronJobV1]) -> Optional[CronJobV1]:
            if job is not None:
                for name, value in fields.items():
                    setattr(job, name, value)
            return job
        return self.modify(correlation_id, (group_name, job_id), change)

    def claim_run(self, correlation_id: Optional[str], group_name: str, job_id: str, planned: datetime,
                  next_run: Optional[datetime], last_run: Optional[datetime]) -> Optional[CronJobV1]:
        def change(job: Optional[CronJobV1]) -> Optional[CronJobV1]:
            if job is None or not job.active or job.next_run != planned:
                return None
            job.next_run = next_run
            if last_run is not None:
                job.last_run = last_run
            return job
        return self.modify(correlation_id, (group_name, job_id), change)

    def set_last_result(self, correlation_id: Optional[str], group_name: str, job_id: str,
                        last_result: dict) -> None:
        self.update_job(correlation_id, group_name, job_id, {'last_result': last_result})

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self.delete_by_key(correlation_id, (group_name, job_id))

    def delete_jobs(self, correlation_id: Optional[str], group_name: str,
                    name: Optional[str] = None) -> List[CronJobV1]:
        with self._lock:
            keys = [k for k, j in self._items.items()
                    if j.group_name == group_name and (name is None or j.name == name)]
            return [self._remove(k) for k in keys]
