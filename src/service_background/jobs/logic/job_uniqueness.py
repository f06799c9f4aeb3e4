"""``NewJobV1.unique`` read into the job's lock fields (rules in
persistence/unique_locks.py).

``unique = {key?, until, ttl?}``:
- ``key`` (string, optional): the key within the job's type; default the job's ``ref_id`` (the
  add_uniq_job rule: type + ref_id). Neither given → 400 BAD_UNIQUE.
- ``until``: ``started`` | ``finished`` | ``ttl`` (default ``finished``).
- ``ttl`` (ms, > 0): required with ``until: ttl``; the lock ends at created + ttl, even if the job
  finished or failed before (a finished job that is deleted ends it sooner).
A second add (add_job, add_jobs, add_uniq_job) of the same type and key while the lock holds
returns the existing job and stores nothing. add_uniq_job is ``{until: finished}`` on type + ref_id
(without a ref_id it is a plain add, as it always was).

``idempotency_key`` (persistence/idempotency_keys.py) is looked up first: a known key answers the job it
named (the unique lock is not consulted), and the same key sent with another type is a 409."""
from datetime import datetime
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException, ConflictException

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.persistence.unique_locks import UNTIL


def _bad(correlation_id: Optional[str], message: str):
    return BadRequestException(correlation_id, 'BAD_UNIQUE', message).with_details('field', 'unique')


def apply_unique(correlation_id: Optional[str], job: JobV1, unique: Any, now: datetime) -> JobV1:
    """Sets the lock fields of ``job`` from ``unique`` (a no-op when it is None)."""
    if unique is None:
        return job
    if not isinstance(unique, dict):
        raise _bad(correlation_id, 'unique must be an object {key?, until, ttl?}')
    key = unique.get('key')
    if key is None:
        key = job.ref_id
    if not isinstance(key, str) or not key or len(key) > 1000:
        raise _bad(correlation_id, 'unique needs a key (or the job a ref_id): a string of 1..1000 characters')
    until = unique.get('until', 'finished')
    if until not in UNTIL:
        raise _bad(correlation_id, 'unique.until must be "started", "finished" or "ttl"')
    ttl = unique.get('ttl')
    if until == 'ttl':
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 0 < ttl <= 1e13:
            raise _bad(correlation_id, 'unique.ttl (ms, 0 < ttl <= 1e13) is required with until "ttl"')
        job.unique_expires = clock.add_ms(now, ttl)
    elif ttl is not None:
        raise _bad(correlation_id, 'unique.ttl is only for until "ttl"')
    job.unique_key = key
    job.unique_until = until
    return job


def _same_request(correlation_id: Optional[str], job: JobV1, stored: JobV1) -> JobV1:
    if stored.id != job.id and stored.type != job.type:  # only a key names a job of another type
        raise ConflictException(correlation_id, 'IDEMPOTENCY_KEY_REUSED',
                                'idempotency_key was already used to add a job of another type') \
            .with_details('field', 'idempotency_key')
    return stored


def store_one(persistence, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
    """Stores ``job``, or returns the job its idempotency key or unique lock already names."""
    if job.idempotency_key is not None:
        return _same_request(correlation_id, job, persistence.create_idempotent(correlation_id, job, now))
    if job.unique_key is not None:
        return persistence.create_unless_key_locked(correlation_id, job, now)
    return persistence.create(correlation_id, job)


def store_by_ref_id(persistence, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
    """add_uniq_job's store: the unfinished job of (type, ref_id) unless the job names its own lock."""
    if job.idempotency_key is not None and job.unique_key is None:
        job.unique_key, job.unique_until = job.ref_id, 'finished'  # the lock it would get by ref_id
    if job.unique_key is None:
        return persistence.create_unless_ref_id_unfinished(correlation_id, job)
    return store_one(persistence, correlation_id, job, now)


def store_jobs(persistence, correlation_id: Optional[str], jobs: list, now: datetime):
    """Stores ``jobs`` (one write when none is unique or keyed); a unique one whose key is held or a
    keyed one whose key is known is not stored and the job named is returned in its place. Returns
    (jobs to return, jobs newly stored)."""
    if not any(job.unique_key is not None or job.idempotency_key is not None for job in jobs):
        stored = persistence.create_many(correlation_id, jobs) if len(jobs) > 1 else \
            [persistence.create(correlation_id, jobs[0])]
        return stored, stored
    result, new = [], []
    for job in jobs:
        stored = store_one(persistence, correlation_id, job, now)
        result.append(stored)
        if stored.id == job.id:
            new.append(stored)
    return result, new
