"""Checks a NewJobV1 strictly (ranges the schema cannot say) and turns it into a queued JobV1."""
import sys
from datetime import datetime
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.common.data import clock
from service_background.common.data.ids import new_uuid4
from service_background.common.data.validation import optional_non_negative, require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1, NewJobV1
from service_background.jobs.logic.job_backoff import check_backoff
from service_background.jobs.logic.job_dependencies import wait_for_parents
from service_background.jobs.logic.job_uniqueness import apply_unique
from service_background.jobs.persistence.idempotency_keys import MAX_KEY_LENGTH

MAX_PARENTS = 100
MAX_GROUP_KEY = 200
POLICIES = ('fail', 'skip', 'run')


def _integer(correlation_id: Optional[str], name: str, value: Any, low: int, high: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or value < low or (high is not None and value > high):
        upper = f'..{high}' if high is not None else ' or more'
        raise BadRequestException(correlation_id, 'BAD_' + name.upper(), f'{name} must be an integer {low}{upper}')
    return int(value)


def _trace_context(correlation_id: Optional[str], value: Any) -> Optional[dict]:
    """The producer's W3C trace context, kept as given: {traceparent, tracestate?}, both short strings."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {'traceparent', 'tracestate'} \
            or not isinstance(value.get('traceparent'), str) or not 0 < len(value['traceparent']) <= 128 \
            or not isinstance(value.get('tracestate', ''), str) or len(value.get('tracestate', '')) > 512:
        raise BadRequestException(correlation_id, 'BAD_TRACE_CONTEXT',
                                  'trace_context must be {traceparent, tracestate?} strings') \
            .with_details('field', 'trace_context')
    return dict(value)


def _group_key(correlation_id: Optional[str], group_key: Any) -> str:
    if not isinstance(group_key, str) or not group_key or len(group_key) > MAX_GROUP_KEY:
        raise BadRequestException(correlation_id, 'BAD_GROUP_KEY',
                                  f'group_key must be a string of 1..{MAX_GROUP_KEY} characters') \
            .with_details('field', 'group_key')
    return sys.intern(group_key)  # one string per group in the store, however many jobs it has


def to_new_job(correlation_id: Optional[str], value: Any) -> NewJobV1:
    if isinstance(value, NewJobV1):
        return value
    if not isinstance(value, dict):
        raise BadRequestException(correlation_id, 'BAD_NEW_JOB', 'new_job must be an object')
    return NewJobV1.from_json(value)


def _only_type_params_and_group(new_job: NewJobV1) -> bool:
    return new_job.ref_id is None and new_job.ttl is None and new_job.priority is None and new_job.delay is None \
        and new_job.timeout is None and new_job.max_retries is None and new_job.callback_url is None \
        and new_job.result_ttl is None and new_job.unique is None and new_job.backoff is None \
        and new_job.depends_on is None and new_job.idempotency_key is None and new_job.trace_context is None \
        and new_job.on_parent_failure is None


def to_job(correlation_id: Optional[str], new_job: Any, now: datetime, max_retries: int,
           batch_id: Optional[str] = None) -> JobV1:
    new_job = to_new_job(correlation_id, new_job)
    job_type = require_text(correlation_id, 'type', new_job.type)
    group_key = new_job.group_key
    if _only_type_params_and_group(new_job):  # most producers' jobs: nothing else to check or derive
        return JobV1(id=new_uuid4(), type=sys.intern(job_type), params=new_job.params, created=now, not_before=now,
                     max_retries=max_retries, batch_id=batch_id,
                     group_key=_group_key(correlation_id, group_key) if group_key is not None else None)
    if new_job.ref_id is not None and not isinstance(new_job.ref_id, str):
        raise BadRequestException(correlation_id, 'BAD_REF_ID', 'ref_id must be a string')
    priority = _integer(correlation_id, 'priority', new_job.priority, 0, 3)
    retries = _integer(correlation_id, 'max_retries', new_job.max_retries, 1, None)
    ttl = optional_non_negative(correlation_id, 'ttl', new_job.ttl, None)
    delay = optional_non_negative(correlation_id, 'delay', new_job.delay, 0)
    timeout = optional_non_negative(correlation_id, 'timeout', new_job.timeout, None)
    result_ttl = optional_non_negative(correlation_id, 'result_ttl', new_job.result_ttl, None)
    url = new_job.callback_url
    if url is not None and (not isinstance(url, str) or not url.startswith(('http://', 'https://'))):
        raise BadRequestException(correlation_id, 'BAD_CALLBACK_URL', 'callback_url must be an http(s) URL')
    key = new_job.idempotency_key
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH):
        raise BadRequestException(correlation_id, 'BAD_IDEMPOTENCY_KEY',
                                  f'idempotency_key must be a non-blank string of up to {MAX_KEY_LENGTH} characters') \
            .with_details('field', 'idempotency_key')
    if new_job.on_parent_failure is not None and new_job.on_parent_failure not in POLICIES:
        raise BadRequestException(correlation_id, 'BAD_ON_PARENT_FAILURE',
                                  'on_parent_failure must be fail, skip or run') \
            .with_details('field', 'on_parent_failure')
    depends_on = new_job.depends_on
    if depends_on is not None:
        if not isinstance(depends_on, list) or len(depends_on) > MAX_PARENTS or not all(
                isinstance(id, str) and id for id in depends_on):
            raise BadRequestException(correlation_id, 'BAD_DEPENDS_ON',
                                      f'depends_on must be a list of up to {MAX_PARENTS} job ids')
        depends_on = list(dict.fromkeys(depends_on)) or None
    # a queued job is mostly references: one interned type string per queue, created shared with not_before
    job = JobV1(id=new_uuid4(), type=sys.intern(job_type), ref_id=new_job.ref_id, params=new_job.params,
                 priority=1 if priority is None else priority, status=JobStatusV1.Queued, created=now,
                 execute_until=clock.add_ms(now, ttl) if ttl else None, retries=0,
                 max_retries=retries if retries is not None else max_retries,
                 not_before=clock.add_ms(now, delay) if delay else now, timeout=int(timeout) if timeout else None,
                 result_ttl=int(result_ttl) if result_ttl is not None else None, callback_url=url,
                 backoff=check_backoff(correlation_id, new_job.backoff), depends_on=depends_on, batch_id=batch_id,
                 idempotency_key=key, trace_context=_trace_context(correlation_id, new_job.trace_context),
                 group_key=_group_key(correlation_id, group_key) if group_key is not None else None,
                 on_parent_failure=new_job.on_parent_failure if new_job.on_parent_failure != 'fail' else None)
    return wait_for_parents(apply_unique(correlation_id, job, new_job.unique, now))
