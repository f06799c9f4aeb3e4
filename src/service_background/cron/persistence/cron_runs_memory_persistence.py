"""The store of the run history of cron jobs in memory (also the base of the file store)."""
from typing import Dict, List, Optional

from pip_services3_commons.data import IdGenerator

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.cron.data.version1 import CronRunV1
from service_background.cron.persistence.i_cron_runs_persistence import ICronRunsPersistence


def _newest_first(run: CronRunV1):
    return run.started, run.id


class CronRunsMemoryPersistence(MemoryPersistence, ICronRunsPersistence):
    """Keeps an index job -> run ids (oldest first) so trimming never scans the store."""

    def __init__(self):
        super().__init__(CronRunV1)
        self._by_job: Dict[tuple, List[str]] = {}

    def _on_loaded(self):
        self._by_job = {}
        for run in sorted(self._items.values(), key=_newest_first):
            self._by_job.setdefault((run.group_name, run.job_id), []).append(run.id)

    def _on_saved(self, old: Optional[CronRunV1], new: CronRunV1):
        if old is None:
            self._by_job.setdefault((new.group_name, new.job_id), []).append(new.id)

    def _on_deleted(self, old: CronRunV1):
        ids = self._by_job.get((old.group_name, old.job_id))
        if ids is not None:
            ids.remove(old.id)
            if not ids:
                del self._by_job[(old.group_name, old.job_id)]

    def add_run(self, correlation_id: Optional[str], run: CronRunV1, keep: int) -> CronRunV1:
        run = run.clone()
        run.id = run.id or IdGenerator.next_long()
        with self._lock:
            result = self._store(run)
            ids = self._by_job[(run.group_name, run.job_id)]
            for id in ids[:max(0, len(ids) - keep)]:
                self._remove(id)
            return result

    def get_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        with self._lock:
            ids = self._by_job.get((group_name, job_id), [])
            return [self._items[id].clone() for id in reversed(ids)]

    def delete_runs(self, correlation_id: Optional[str], group_name: str, job_id: Optional[str] = None) -> int:
        with self._lock:
            keys = [k for k in self._by_job if k[0] == group_name and (job_id is None or k[1] == job_id)]
            ids = [id for k in keys for id in list(self._by_job[k])]
            for id in ids:
                self._remove(id)
            return len(ids)
