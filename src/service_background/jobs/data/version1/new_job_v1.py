"""NewJobV1, what a producer gives to add a job: its field table is the one source of its constructor and
its validation schema (with the JSON Schemas /openapi.json publishes)."""
from typing import Any, Optional

from pip_services3_commons.convert import TypeCode

from service_background.common.data.data_object import DataObjectV1
from service_background.common.data.field_table import FieldTable, data_field
from service_background.common.data.validation import HTTP_URL, MAX_NUMBER, TEXT, json_number

_DURATION = json_number(0, MAX_NUMBER, integer=True)  # ms
_KEY = {'type': 'string', 'minLength': 1, 'maxLength': 1000}
# unique {key, until: started | finished} or {key, until: ttl, ttl: ms > 0} (job_uniqueness.py); the
# service also takes the job's ref_id for a missing key, which the document cannot tie across fields
_UNIQUE = {'anyOf': [
    {'type': 'object', 'additionalProperties': False, 'required': ['key'],
     'properties': {'key': _KEY, 'until': {'type': 'string', 'enum': ['started', 'finished']}}},
    {'type': 'object', 'additionalProperties': False, 'required': ['key', 'until', 'ttl'],
     'properties': {'key': _KEY, 'until': {'type': 'string', 'enum': ['ttl']}, 'ttl': json_number(1, MAX_NUMBER)}},
]}
_BACKOFF = {'type': 'object', 'additionalProperties': False, 'properties': {  # job_backoff.py
    'type': {'type': 'string', 'enum': ['exponential', 'fixed']}, 'base_ms': json_number(0, MAX_NUMBER),
    'max_ms': json_number(0, MAX_NUMBER), 'jitter': {'anyOf': [json_number(0, 1), {'type': 'boolean'}]}}}
_TRACE = {'type': 'object', 'additionalProperties': False, 'required': ['traceparent'], 'properties': {
    'traceparent': {'type': 'string', 'minLength': 1, 'maxLength': 128},
    'tracestate': {'type': 'string', 'maxLength': 512}}}
_GROUP_KEY = {'type': 'string', 'minLength': 1, 'maxLength': 200}
_POLICY = {'type': 'string', 'enum': ['fail', 'skip', 'run']}


class NewJobV1(DataObjectV1, metaclass=FieldTable, slots=False):
    """What a producer gives: ttl, delay, timeout and result_ttl are in ms (the REST face converts
    its seconds headers). The ``described`` rules are the ranges the controller checks
    (new_job_rules.py), published for /openapi.json."""

    type: Optional[str] = data_field(default=None, type_code=TypeCode.String, required=True, described=TEXT)
    ref_id: Optional[str] = data_field(default=None, type_code=TypeCode.String)
    params: Any = data_field(default=None)
    ttl: Optional[int] = data_field(default=None, type_code=TypeCode.Long, described=_DURATION)
    priority: Optional[int] = data_field(default=None, type_code=TypeCode.Integer,
                                         described=json_number(0, 3, integer=True))
    delay: Optional[int] = data_field(default=None, type_code=TypeCode.Long, described=_DURATION)
    timeout: Optional[int] = data_field(default=None, type_code=TypeCode.Long, described=_DURATION)
    max_retries: Optional[int] = data_field(default=None, type_code=TypeCode.Integer,
                                            described=json_number(1, 10 ** 9, integer=True))
    callback_url: Optional[str] = data_field(default=None, type_code=TypeCode.String, described=HTTP_URL)
    result_ttl: Optional[int] = data_field(default=None, type_code=TypeCode.Long, described=_DURATION)
    # {key?, until: started | finished | ttl, ttl?}
    unique: Optional[dict] = data_field(default=None, type_code=TypeCode.Map, described=_UNIQUE)
    # {type: exponential | fixed, base_ms, max_ms, jitter}
    backoff: Optional[dict] = data_field(default=None, type_code=TypeCode.Map, described=_BACKOFF)
    # [job_id, ...]: takeable once every parent is done; up to 100 parents
    depends_on: Optional[list] = data_field(default=None, type_code=TypeCode.Array,
                                            described={'type': 'array', 'maxItems': 100, 'items': TEXT})
    # a retried add with the same key answers the first job (persistence/idempotency_keys.py); not blank,
    # at most 256 characters
    idempotency_key: Optional[str] = data_field(default=None, type_code=TypeCode.String, described=TEXT)
    # the producer's W3C trace context {traceparent, tracestate?}, handed to the handler
    trace_context: Optional[dict] = data_field(default=None, type_code=TypeCode.Map, described=_TRACE)
    # the job's group in a fair queue (a tenant, a customer): takes go round-robin between groups
    group_key: Optional[str] = data_field(default=None, type_code=TypeCode.String, described=_GROUP_KEY)
    # what a parent that did not finish done does to this job: fail (default), skip or run
    on_parent_failure: Optional[str] = data_field(default=None, type_code=TypeCode.String, described=_POLICY)
