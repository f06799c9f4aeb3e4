"""The retries store on MongoDB: one document per (group, id), attempts counted atomically."""
import json
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence, date_ms
from service_background.retries.data.version1 import RetryV1
from service_background.retries.persistence.i_retries_persistence import IRetriesPersistence
from service_background.retries.persistence.retries_filter import parse_filter

_NO_KEY = ''  # a record's attempt made without a key: a string, as nx-27017's $ne never matches a null


def _doc_id(group: str, id: str) -> str:
    # one _id for the (group, id) pair; JSON keeps any characters in either part unambiguous
    return json.dumps([group, id])


class RetriesMongoDbPersistence(MongoDbPersistence, IRetriesPersistence):

    def __init__(self):
        super().__init__('retries', RetryV1)

    def _define_indexes(self):
        self._collection.create_index([('group', 1), ('id', 1)])
        self._collection.create_index([('expiration_time_ms', 1)])

    def _doc_id(self, item: RetryV1) -> str:
        return _doc_id(item.group, item.id)

    def _from_doc(self, doc: Optional[dict]) -> Optional[RetryV1]:
        item = super()._from_doc(doc)
        if item is not None and item.idempotency_key == _NO_KEY:
            item.idempotency_key = None
        return item

    def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        return sorted(g for g in self._collection.distinct('group') if g is not None)

    def get_page_by_filter(self, correlation_id: Optional[str], filter: FilterParams,
                           paging: PagingParams) -> DataPage:
        query = {(k + '_ms' if isinstance(v, datetime) else k): (date_ms(v) if isinstance(v, datetime) else v)
                 for k, v in parse_filter(filter).items()}
        return super().get_page_by_filter(correlation_id, query, paging, sort=[('group', 1), ('id', 1)])

    def get_one_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]:
        return self.get_one_by_id(correlation_id, _doc_id(group, id))

    def get_list_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        by_id = {item.id: item for item in
                 self.get_list_by_filter(correlation_id, {'_id': {'$in': [_doc_id(group, i) for i in ids]}})}
        return [by_id[i] for i in ids if i in by_id]

    def add_attempt(self, correlation_id: Optional[str], group: str, id: str, now: datetime,
                    expiration_time: datetime, key: Optional[str] = None) -> RetryV1:
        update = {'$inc': {'attempt_count': 1},
                  '$set': {'id': id, 'group': group, 'last_attempt_time': now, 'last_attempt_time_ms': date_ms(now),
                           'expiration_time': expiration_time, 'expiration_time_ms': date_ms(expiration_time),
                           'idempotency_key': key or _NO_KEY}}
        if key is not None:
            # counts only where the last counted attempt had another key; where it had this one the
            # upsert's insert meets the record's _id: the attempt was counted, the record is the answer
            query = {'_id': _doc_id(group, id), 'idempotency_key': {'$ne': key}}
            try:
                counted = self.find_one_and_update(correlation_id, query, update, upsert=True)
            except DuplicateKeyError:
                counted = None  # a real MongoDB says so; nx-27017 answers nothing
            return counted or self.get_one_by_ids(correlation_id, group, id)
        try:
            return self.find_one_and_update(correlation_id, {'_id': _doc_id(group, id)}, update, upsert=True)
        except DuplicateKeyError:
            # two upserts raced to insert: the record exists now, so increment it
            return self.find_one_and_update(correlation_id, {'_id': _doc_id(group, id)}, update)

    def add_attempts(self, correlation_id: Optional[str], group: str, ids: List[str], now: datetime,
                     expiration_time: datetime) -> List[RetryV1]:
        """One bulk_write of upserting increments and one find to read them back. An id listed twice
        falls back to one call per id (each copy must see its own count)."""
        if len(set(ids)) != len(ids) or len(ids) < 2:
            return super().add_attempts(correlation_id, group, ids, now, expiration_time)
        ops = [UpdateOne({'_id': _doc_id(group, id)}, self._attempt_update(group, id, now, expiration_time),
                         upsert=True) for id in ids]
        try:
            self._collection.bulk_write(ops, ordered=False)
        except BulkWriteError as ex:
            # upserts that raced another writer's insert: the records exist now, so increment them
            failed = sorted({e['index'] for e in ex.details.get('writeErrors', [])})
            for index in failed:
                self._collection.update_one(ops[index]._filter, ops[index]._doc)
        by_id = {item.id: item for item in
                 self.get_list_by_filter(correlation_id, {'_id': {'$in': [_doc_id(group, i) for i in ids]}})}
        return [by_id[i] for i in ids]

    @staticmethod
    def _attempt_update(group: str, id: str, now: datetime, expiration_time: datetime) -> dict:
        return {'$inc': {'attempt_count': 1},
                '$set': {'id': id, 'group': group, 'last_attempt_time': now, 'last_attempt_time_ms': date_ms(now),
                         'expiration_time': expiration_time, 'expiration_time_ms': date_ms(expiration_time),
                         'idempotency_key': _NO_KEY}}

    def delete_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]:
        return self.delete_by_id(correlation_id, _doc_id(group, id))

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        return self.delete_by_filter(correlation_id, {'expiration_time_ms': {'$lte': date_ms(now)}})
