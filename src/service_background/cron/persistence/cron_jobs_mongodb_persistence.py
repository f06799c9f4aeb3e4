"""The store of cron jobs and their claimed runs in MongoDB."""
from datetime import datetime
from typing import List, Optional

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from service_background.common.data import clock
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.persistence.i_cron_jobs_persistence import ICronJobsPersistence


def _doc_id(group_name: str, job_id: str) -> str:
    # both parts are [a-zA-Z0-9_]{1,22}, so the slash is unambiguous
    return f'{group_name}/{job_id}'


def _with_updated_ms(fields: dict) -> dict:
    """Mirrors ``updated`` as a number for the change feed: nx-27017 stores a date written by
    ``$set`` as a string that no longer compares with dates (only inserted dates do)."""
    if fields.get('updated') is None:
        return fields
    return dict(fields, updated_ms=clock.to_epoch_ms(fields['updated']))


class CronJobsMongoDbPersistence(MongoDbPersistence, ICronJobsPersistence):
    shared = True

    def __init__(self):
        super().__init__('cron_jobs', CronJobV1)

    def _define_indexes(self):
        self._collection.create_index([('group_name', 1), ('job_id', 1)])
        self._collection.create_index([('active', 1)])
        self._collection.create_index([('updated_ms', 1)])

    def _to_doc(self, item: CronJobV1) -> dict:
        return _with_updated_ms(super()._to_doc(item))

    def _doc_id(self, item: CronJobV1) -> str:
        return _doc_id(item.group_name, item.job_id)

    def get_jobs(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> List[CronJobV1]:
        return self.get_list_by_filter(correlation_id, {} if group_name is None else {'group_name': group_name},
                                       sort=[('_id', 1)])

    def get_active_jobs(self, correlation_id: Optional[str]) -> List[CronJobV1]:
        return self.get_list_by_filter(correlation_id, {'active': True})

    def get_changed_jobs(self, correlation_id: Optional[str], since: datetime) -> List[CronJobV1]:
        return self.get_list_by_filter(correlation_id, {'updated_ms': {'$gt': clock.to_epoch_ms(since)}})

    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self.get_one_by_id(correlation_id, _doc_id(group_name, job_id))

    def create_job(self, correlation_id: Optional[str], job: CronJobV1) -> Optional[CronJobV1]:
        try:
            self._collection.insert_one(self._to_doc(job))
        except DuplicateKeyError:
            return None
        return job.clone()

    def set_job(self, correlation_id: Optional[str], job: CronJobV1) -> CronJobV1:
        return self.set(correlation_id, job)

    def _update(self, filter: dict, fields: dict) -> Optional[CronJobV1]:
        doc = self._collection.find_one_and_update(filter, {'$set': fields}, return_document=ReturnDocument.AFTER)
        return self._from_doc(doc)

    def update_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   fields: dict) -> Optional[CronJobV1]:
        return self._update({'_id': _doc_id(group_name, job_id)}, _with_updated_ms(fields))

    def claim_run(self, correlation_id: Optional[str], group_name: str, job_id: str, planned: datetime,
                  next_run: Optional[datetime], last_run: Optional[datetime]) -> Optional[CronJobV1]:
        fields = {'next_run': next_run}
        if last_run is not None:
            fields['last_run'] = last_run
        return self._update({'_id': _doc_id(group_name, job_id), 'active': True, 'next_run': planned}, fields)

    def set_last_result(self, correlation_id: Optional[str], group_name: str, job_id: str,
                        last_result: dict) -> None:
        self._collection.update_one({'_id': _doc_id(group_name, job_id)}, {'$set': {'last_result': last_result}})

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> Optional[CronJobV1]:
        return self.delete_by_id(correlation_id, _doc_id(group_name, job_id))

    def delete_jobs(self, correlation_id: Optional[str], group_name: str,
                    name: Optional[str] = None) -> List[CronJobV1]:
        filter = {'group_name': group_name}
        if name is not None:
            filter['name'] = name
        jobs = self.get_list_by_filter(correlation_id, filter)
        if jobs:
            self._collection.delete_many({'_id': {'$in': [self._doc_id(j) for j in jobs]}})
        return jobs
