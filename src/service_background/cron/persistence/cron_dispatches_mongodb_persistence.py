"""The store of REMOTE@ executions queued for worker nodes in MongoDB."""
from datetime import datetime
from typing import List, Optional, Sequence

from pip_services3_commons.data import IdGenerator
from pymongo import ReturnDocument

from service_background.common.data import clock
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.cron.data.version1 import CronDispatchV1
from service_background.cron.data.version1.cron_dispatch_v1 import CLOSED_STATUSES, QUEUED, RUNNING
from service_background.cron.persistence.i_cron_dispatches_persistence import ICronDispatchesPersistence

_MIRRORED = ('created', 'take_until', 'report_until', 'finished')


def _with_ms(fields: dict) -> dict:
    """Adds ``<date>_ms`` numbers for the dates that queries compare: nx-27017 stores a date written
    by ``$set`` as a string that no longer compares with dates (only inserted dates do)."""
    result = dict(fields)
    for name in _MIRRORED:
        if fields.get(name) is not None:
            result[name + '_ms'] = clock.to_epoch_ms(fields[name])
    return result


class CronDispatchesMongoDbPersistence(MongoDbPersistence, ICronDispatchesPersistence):
    """Only the query forms the test servers serve: equality, $in, $gt/$lt on numbers, sorted
    find_one. Taking is two steps (find the oldest, then claim it while still queued) because
    report_until depends on the dispatch's own timeout. Time comparisons use the ``*_ms`` mirrors."""

    def __init__(self):
        super().__init__('cron_dispatches', CronDispatchV1)

    def _define_indexes(self):
        self._collection.create_index([('group_name', 1), ('node_id', 1), ('status', 1), ('created_ms', 1)])
        self._collection.create_index([('status', 1)])

    def _to_doc(self, item: CronDispatchV1) -> dict:
        return _with_ms(super()._to_doc(item))

    def create_dispatch(self, correlation_id: Optional[str], dispatch: CronDispatchV1) -> CronDispatchV1:
        dispatch = dispatch.clone()
        dispatch.id = dispatch.id or IdGenerator.next_long()
        self._collection.insert_one(self._to_doc(dispatch))
        return dispatch

    def get_dispatch(self, correlation_id: Optional[str], id: str) -> Optional[CronDispatchV1]:
        return self.get_one_by_id(correlation_id, id)

    def take_next(self, correlation_id: Optional[str], group_name: str, node_id: str, now: datetime,
                  report_until_ms: float) -> Optional[CronDispatchV1]:
        filter = {'group_name': group_name, 'node_id': node_id, 'status': QUEUED,
                  'take_until_ms': {'$gt': clock.to_epoch_ms(now)}}
        for _ in range(5):  # another poller of the same node may win the oldest one: try the next
            doc = self._collection.find_one(filter, {'_id': 1, 'timeout': 1}, sort=[('created_ms', 1), ('_id', 1)])
            if doc is None:
                return None
            report_until = clock.add_ms(now, float(doc.get('timeout') or 0) * 1000 + report_until_ms)
            taken = self._collection.find_one_and_update(
                {'_id': doc['_id'], 'status': QUEUED},
                {'$set': _with_ms({'status': RUNNING, 'taken': now, 'report_until': report_until})},
                return_document=ReturnDocument.AFTER)
            if taken is not None:
                return self._from_doc(taken)
        return None

    def finish(self, correlation_id: Optional[str], id: str, statuses: Sequence[str],
               fields: dict) -> Optional[CronDispatchV1]:
        doc = self._collection.find_one_and_update({'_id': id, 'status': {'$in': list(statuses)}},
                                                   {'$set': _with_ms(fields)}, return_document=ReturnDocument.AFTER)
        return self._from_doc(doc)

    def get_overdue(self, correlation_id: Optional[str], now: datetime) -> List[CronDispatchV1]:
        now_ms = clock.to_epoch_ms(now)
        return (self.get_list_by_filter(correlation_id, {'status': QUEUED, 'take_until_ms': {'$lt': now_ms}}) +
                self.get_list_by_filter(correlation_id, {'status': RUNNING, 'report_until_ms': {'$lt': now_ms}}))

    def delete_closed_before(self, correlation_id: Optional[str], before: datetime) -> int:
        return self.delete_by_filter(correlation_id, {'status': {'$in': list(CLOSED_STATUSES)},
                                                      'finished_ms': {'$lt': clock.to_epoch_ms(before)}})

    def delete_dispatches(self, correlation_id: Optional[str], group_name: str) -> int:
        return self.delete_by_filter(correlation_id, {'group_name': group_name})
