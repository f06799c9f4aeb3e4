"""The store of the run history of cron jobs in MongoDB."""
from typing import List, Optional

from pip_services3_commons.data import IdGenerator

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.cron.data.version1 import CronRunV1
from service_background.cron.persistence.i_cron_runs_persistence import ICronRunsPersistence

_NEWEST_FIRST = [('started', -1), ('_id', -1)]


class CronRunsMongoDbPersistence(MongoDbPersistence, ICronRunsPersistence):

    def __init__(self):
        super().__init__('cron_runs', CronRunV1)

    def _define_indexes(self):
        self._collection.create_index([('group_name', 1), ('job_id', 1), ('started', -1)])

    def add_run(self, correlation_id: Optional[str], run: CronRunV1, keep: int) -> CronRunV1:
        run = run.clone()
        run.id = run.id or IdGenerator.next_long()
        self._collection.insert_one(self._to_doc(run))
        job = {'group_name': run.group_name, 'job_id': run.job_id}
        old = [d['_id'] for d in self._collection.find(job, {'_id': 1}).sort(_NEWEST_FIRST).skip(keep)]
        if old:
            self._collection.delete_many({'_id': {'$in': old}})
        return run

    def get_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        return self.get_list_by_filter(correlation_id, {'group_name': group_name, 'job_id': job_id},
                                       sort=_NEWEST_FIRST)

    def delete_runs(self, correlation_id: Optional[str], group_name: str, job_id: Optional[str] = None) -> int:
        filter = {'group_name': group_name}
        if job_id is not None:
            filter['job_id'] = job_id
        return self.delete_by_filter(correlation_id, filter)
