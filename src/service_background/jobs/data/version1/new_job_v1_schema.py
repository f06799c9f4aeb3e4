from pip_services3_commons.convert import TypeCode

from service_background.common.data.validation import HTTP_URL, MAX_NUMBER, TEXT, DescribedSchema, json_number

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


class NewJobV1Schema(DescribedSchema):
    """Types for validation; the ranges the controller checks (new_job_rules.py) are described for
    /openapi.json: priority 0..3, durations 0..1e13 ms, an http(s) callback_url, up to 100 parents."""

    def __init__(self):
        super().__init__()
        self.with_described('type', TEXT, TypeCode.String, required=True)
        self.with_optional_property('ref_id', TypeCode.String)
        self.with_optional_property('params', None)
        self.with_described('ttl', _DURATION, TypeCode.Long)
        self.with_described('priority', json_number(0, 3, integer=True), TypeCode.Integer)
        self.with_described('delay', _DURATION, TypeCode.Long)
        self.with_described('timeout', _DURATION, TypeCode.Long)
        self.with_described('max_retries', json_number(1, 10 ** 9, integer=True), TypeCode.Integer)
        self.with_described('callback_url', HTTP_URL, TypeCode.String)
        self.with_described('result_ttl', _DURATION, TypeCode.Long)
        self.with_described('unique', _UNIQUE, TypeCode.Map)
        self.with_described('backoff', _BACKOFF, TypeCode.Map)
        self.with_described('depends_on', {'type': 'array', 'maxItems': 100, 'items': TEXT}, TypeCode.Array)
        self.with_described('idempotency_key', TEXT, TypeCode.String)  # not blank, at most 256 characters
