"""Idempotency keys on MongoDB (idempotency_keys.py): a part of JobsMongoDbPersistence over its collection.

A job added with a key carries it in ``idem_key`` under a unique sparse index, so of two processes
racing to add the same key one insert wins and the other finds the winner. A keyed job deleted before
its key's time is over leaves a record in ``<jobs collection>_keys``, written before the job goes."""
from datetime import datetime
from typing import Callable, Optional

from pip_services3_commons.errors import ConflictException
from pymongo.errors import DuplicateKeyError

from service_background.common.persistence.mongodb_persistence import date_ms
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.persistence.idempotency_keys import IDEM_FIELD, IdempotencyKeysMongoStore, record_of

_ATTEMPTS = 20
# what a record needs of a job about to be deleted (never its params or result)
_RECORD_FIELDS = {'type': 1, 'status': 1, 'created': 1, 'completed': 1, 'idempotency_key': 1, IDEM_FIELD: 1}


class JobsMongoDbKeys:
    """``from_doc`` is the persistence's conversion of a stored document to a job."""

    def __init__(self, collection, keys: IdempotencyKeysMongoStore, ttl_ms: int,
                 from_doc: Callable[[Optional[dict]], Optional[JobV1]]):
        self._collection = collection
        self._keys = keys
        self._ttl_ms = ttl_ms
        self._from_doc = from_doc

    @staticmethod
    def add_key_field(doc: dict, job: JobV1) -> dict:
        """The job's key in ``IDEM_FIELD``, only on keyed jobs: a null would be one more entry of the unique index."""
        if job.idempotency_key is not None:
            doc[IDEM_FIELD] = job.idempotency_key
        return doc

    def live_keyed(self, key: str) -> bool:
        return self._collection.find_one({IDEM_FIELD: key}, {'_id': 1}) is not None

    def _keyed_job(self, key: str, now: datetime) -> Optional[JobV1]:
        doc = self._collection.find_one({IDEM_FIELD: key})
        return self._from_doc(doc) if doc is not None else self._keys.get(key, now)

    def create_idempotent(self, correlation_id: Optional[str], job: JobV1, now: datetime,
                          store: Callable[[JobV1], JobV1]) -> JobV1:
        """Insert-or-find: the unique index lets one insert (``store``) of the key win across processes; a
        loser reads the winner. After a won insert the key's record is read again: a first job deleted
        between our look and our insert left one, and then our job is taken back."""
        key = job.idempotency_key
        for _ in range(_ATTEMPTS):
            found = self._keyed_job(key, now)
            if found is not None:
                return found
            try:
                stored = store(job)
            except DuplicateKeyError:
                if not self.live_keyed(key):
                    raise  # the id is taken, not the key
                continue  # another add of the key won: read it
            if stored.id != job.id:
                return stored  # a unique lock's holder answered: nothing stored, the key names nothing
            gone = self._keys.get(key, now)
            if gone is not None and gone.id != stored.id:
                self._collection.delete_one({'_id': stored.id})
                return gone
            return stored
        raise ConflictException(correlation_id, 'JOB_BUSY', f'Idempotency key {key!r} kept changing; try again')

    def _keep_key(self, doc: Optional[dict], now: datetime):
        if doc is not None and doc.get(IDEM_FIELD) is not None:
            record = record_of(self._from_doc(doc), now, self._ttl_ms)
            if record is not None:
                self._keys.put(record)

    def keep_key_of(self, id: str, now: datetime):
        """The record of the job ``id`` about to be deleted, if it is keyed and young."""
        self._keep_key(self._collection.find_one({'_id': id}, _RECORD_FIELDS), now)

    def keep_keys(self, query: dict, now: datetime):
        """Records for the keyed jobs ``query`` is about to delete (only those added within the ttl)."""
        young = dict(query, created_ms={'$gt': date_ms(now) - self._ttl_ms})
        for doc in self._collection.find(young, _RECORD_FIELDS):
            self._keep_key(doc, now)

    def delete_expired(self, now: datetime) -> int:
        return self._keys.delete_expired(now)

    def clear(self):
        self._keys.clear()
