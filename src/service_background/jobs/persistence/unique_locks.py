"""Unique jobs with an explicit lifetime: the rules every persistence applies to
the lock a job holds on its unique key, as pure functions (memory, file and MongoDB cannot drift).

A job made with ``unique`` (or by add_uniq_job) carries ``unique_key`` (the key within its type),
``unique_until`` and, for ``ttl``, ``unique_expires``. The lock holds:
- ``started``: while the job is queued (its first take ends it, for good);
- ``finished`` (add_uniq_job's rule): while the job is queued or running;
- ``ttl``: until ``unique_expires`` (created + ttl), whatever the job's status.
Deleting the job always ends its lock. The stored key is ``[type, key]`` as JSON, the same string
add_uniq_job has always used for (type, ref_id), so both share one key space."""
import json
from datetime import datetime
from typing import Any, Optional

from service_background.jobs.data.version1 import JobStatusV1, JobV1

UNTIL = ('started', 'finished', 'ttl')


def stored_key(type: str, key: Any) -> str:
    # JSON, not a separator character: a NUL is not safe in every server's index keys
    return json.dumps([type, key], ensure_ascii=False, separators=(',', ':'))


def job_lock_key(job: JobV1) -> Optional[str]:
    return stored_key(job.type, job.unique_key) if job.unique_key is not None else None


def keeps_lock(job: JobV1) -> bool:
    """Whether a stored job still carries its lock field (a ttl lock ends lazily, by time)."""
    if job.unique_key is None:
        return False
    if job.unique_until == 'ttl':
        return True
    if job.unique_until == 'started':
        return job.status == JobStatusV1.Queued and not job.started
    return job.status in (JobStatusV1.Queued, JobStatusV1.Running)


def lock_holds(job: Optional[JobV1], now: datetime) -> bool:
    """Whether ``job`` (the current holder of its key) still holds the lock at ``now``."""
    if job is None or not keeps_lock(job):
        return False
    return job.unique_until != 'ttl' or job.unique_expires is None or job.unique_expires > now
