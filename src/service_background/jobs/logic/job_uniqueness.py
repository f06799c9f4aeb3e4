"""``NewJobV1.unique`` (issue 13, item 2) read into the job's lock fields (rules in
persistence/unique_locks.py).

``unique = {key?, until, ttl?}``:
- ``key`` (string, optional): the key within the job's type; default the job's ``ref_id`` (the seed's
  add_uniq_job rule: type + ref_id). Neither given → 400 BAD_UNIQUE.
- ``until``: ``started`` | ``finished`` | ``ttl`` (default ``finished``).
- ``ttl`` (ms, > 0): required with ``until: ttl``; the lock ends at created + ttl, even if the job
  finished or failed before (a finished job that is deleted ends it sooner).
A second add (add_job, add_jobs, add_uniq_job) of the same type and key while the lock holds
returns the existing job and stores nothing. add_uniq_job is ``{until: finished}`` on type + ref_id
(without a ref_id it is a plain add, as in the seed)."""
from datetime import datetime
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException

from ...common import time as t
from ..data.version1 import JobV1
from ..persistence.unique_locks import UNTIL


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
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0:
            raise _bad(correlation_id, 'unique.ttl (ms, > 0) is required with until "ttl"')
        job.unique_expires = t.add_ms(now, ttl)
    elif ttl is not None:
        raise _bad(correlation_id, 'unique.ttl is only for until "ttl"')
    job.unique_key = key
    job.unique_until = until
    return job


def store_jobs(persistence, correlation_id: Optional[str], jobs: list, now: datetime):
    """Stores ``jobs`` (one write when none is unique); a unique one whose key is held is not stored
    and its holder is returned in its place. Returns (jobs to return, jobs newly stored)."""
    if not any(job.unique_key is not None for job in jobs):
        stored = persistence.create_many(correlation_id, jobs) if len(jobs) > 1 else \
            [persistence.create(correlation_id, jobs[0])]
        return stored, stored
    result, new = [], []
    for job in jobs:
        stored = persistence.create_unique(correlation_id, job, now) if job.unique_key is not None \
            else persistence.create(correlation_id, job)
        result.append(stored)
        if stored.id == job.id:
            new.append(stored)
    return result, new
