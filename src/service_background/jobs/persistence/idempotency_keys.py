"""Idempotency keys of added jobs: what each persistence keeps once the job a key named is deleted.

A key is global to the service (not per type): it names one add request, whatever queue it went to.
While its job lives the key rides on the job (memory and file: an index; MongoDB: a unique sparse
field). When the job is deleted (the cleaner, a result_ttl, delete_job_by_id) before ``created +
options.idempotency_ttl`` (default 24 h), a small record takes over until then: the job's id, type,
status and times, never its params or result. A record is written before its job is removed, so a
retry always finds one or the other."""
from datetime import datetime
from typing import Optional

from service_background.common.data import clock
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.common.persistence.mongodb_persistence import date_ms
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1.idempotency_key_v1 import IdempotencyKeyV1

DEFAULT_TTL_MS = 86400000  # 24 h after the add, at least
MAX_KEY_LENGTH = 256  # as every other name the service takes (validation.require_text)
IDEM_FIELD = 'idem_key'  # MongoDB: present only on jobs added with a key (a unique sparse index)


def configured_ttl(config) -> int:
    """``options.idempotency_ttl`` (ms) of a persistence's configuration, at least 1."""
    return max(1, config.get_as_long_with_default('options.idempotency_ttl', DEFAULT_TTL_MS))


def record_of(job: JobV1, now: datetime, ttl_ms: int) -> Optional[IdempotencyKeyV1]:
    """The record to keep for ``job`` deleted at ``now``; None when it has no key or the key's time is over."""
    if job.idempotency_key is None or job.created is None:
        return None
    expires = clock.add_ms(job.created, ttl_ms)
    if expires <= now:
        return None
    status = job.status if job.is_finished else JobStatusV1.Aborted  # deleted before it finished
    return IdempotencyKeyV1(job.idempotency_key, job.id, job.type, status, job.created, job.completed, expires)


def job_of(record: Optional[IdempotencyKeyV1], now: datetime) -> Optional[JobV1]:
    """The deleted job as its record keeps it, or None (no record, or one past its time)."""
    if record is None or record.expires is None or record.expires <= now:
        return None
    return JobV1(id=record.job_id, type=record.type, status=record.status, created=record.created,
                 not_before=record.created, completed=record.completed, idempotency_key=record.id)


class IdempotencyKeysMemoryStore(MemoryPersistence):
    """Records in a dict; with a FileJournal (``journal``) every write is durable before it returns."""

    def __init__(self, journal=None):
        super().__init__(IdempotencyKeyV1)
        self._journal = journal

    def get(self, key: str, now: datetime) -> Optional[JobV1]:
        with self._lock:
            return job_of(self._items.get(key), now)

    def put(self, record: IdempotencyKeyV1) -> None:
        with self._lock:
            self._store(record)

    def delete_expired(self, now: datetime) -> int:
        return self.delete_by_filter(None, lambda record: record.expires is None or record.expires <= now)


class IdempotencyKeysMongoStore:
    """One document per record in ``<jobs collection>_keys``, ``_id`` the key."""

    def __init__(self, collection):
        self._collection = collection  # a TwinCollection: ``expires_ms`` is written beside ``expires``

    def get(self, key: str, now: datetime) -> Optional[JobV1]:
        doc = self._collection.find_one({'_id': key})
        if doc is None:
            return None
        doc['id'] = doc.pop('_id')
        return job_of(IdempotencyKeyV1.from_json(doc), now)

    def put(self, record: IdempotencyKeyV1) -> None:
        doc = record.to_dict()
        doc['_id'] = doc.pop('id')
        self._collection.replace_one({'_id': record.id}, doc, upsert=True)

    def delete_expired(self, now: datetime) -> int:
        return self._collection.delete_many({'expires_ms': {'$lte': date_ms(now)}}).deleted_count

    def clear(self) -> None:
        self._collection.delete_many({})
