"""Retry backoff (issue 13, item 4): a job that fails with attempts left (fail_job, seed 002's
``PUT /jobs/<id>`` failed, or a lease that runs out) goes back to the queue with ``not_before`` =
now + its backoff, and ``last_error`` says so. ``abort_job`` (a worker giving a job back on purpose,
as the worker library does for an error with attempts left) still re-queues at once.

``NewJobV1.backoff = {type, base_ms, max_ms, jitter}``:
- ``type``: ``exponential`` (base_ms * 2^(attempt-1), capped by max_ms) or ``fixed`` (base_ms);
- ``base_ms`` (>= 0; 0 = at once), ``max_ms`` (>= 0);
- ``jitter``: 0..1, the share of the delay that is random (delay * (1 - jitter * U[0,1)), so jitter
  only shortens); ``true`` = 0.5, ``false`` = 0.
Unset fields take the controller's defaults: options.backoff_base (1000), options.backoff_max
(3600000), options.backoff_jitter (0.5): exponential 1 s → 1 h with jitter, as the issue says."""
import random
from datetime import datetime
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException

from ...common import time as t
from ..data.version1 import JobV1

TYPES = ('exponential', 'fixed')


def _bad(correlation_id: Optional[str], message: str):
    return BadRequestException(correlation_id, 'BAD_BACKOFF', message).with_details('field', 'backoff')


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float))


def check_backoff(correlation_id: Optional[str], backoff: Any) -> Optional[dict]:
    """The job's backoff, checked and kept as given (None: the defaults)."""
    if backoff is None:
        return None
    if not isinstance(backoff, dict):
        raise _bad(correlation_id, 'backoff must be an object {type, base_ms, max_ms, jitter}')
    unknown = set(backoff) - {'type', 'base_ms', 'max_ms', 'jitter'}
    if unknown:
        raise _bad(correlation_id, f'backoff has unknown fields: {sorted(unknown)}')
    if backoff.get('type', 'exponential') not in TYPES:
        raise _bad(correlation_id, 'backoff.type must be "exponential" or "fixed"')
    for name in ('base_ms', 'max_ms'):
        if name in backoff and (not _number(backoff[name]) or backoff[name] < 0):
            raise _bad(correlation_id, f'backoff.{name} must be a number >= 0')
    jitter = backoff.get('jitter')
    if jitter is not None and not isinstance(jitter, bool) and (not _number(jitter) or not 0 <= jitter <= 1):
        raise _bad(correlation_id, 'backoff.jitter must be a number 0..1 or a boolean')
    return dict(backoff)


def delay_ms(job: JobV1, base_ms: float, max_ms: float, jitter: float, rng=random.random) -> float:
    """The wait before the next attempt of ``job``, whose ``retries`` attempts so far failed."""
    spec = job.backoff or {}
    base = spec.get('base_ms', base_ms)
    cap = spec.get('max_ms', max_ms)
    share = spec.get('jitter', jitter)
    share = 0.5 if share is True else 0.0 if share is False else float(share)
    if spec.get('type', 'exponential') == 'fixed':
        delay = base
    else:
        delay = base * (2 ** min(max((job.retries or 1) - 1, 0), 62))
    delay = min(delay, cap)
    return max(0.0, delay * (1 - share * rng()))


def back_off(job: JobV1, now: datetime, delay: float, error: str) -> JobV1:
    """``job`` (just released to the queue) made due after ``delay`` ms, with the wait in last_error."""
    if delay > 0:
        job.not_before = t.add_ms(now, delay)
        job.last_error = f'{error}; retry {job.retries + 1} of {job.max_retries} after {int(delay)} ms'
    return job
