from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ObjectSchema


class NewJobV1Schema(ObjectSchema):
    """Types only; ranges (priority 0..3, non-negative durations) are checked by the controller."""

    def __init__(self):
        super().__init__()
        self.with_required_property('type', TypeCode.String)
        self.with_optional_property('ref_id', TypeCode.String)
        self.with_optional_property('params', None)
        self.with_optional_property('ttl', TypeCode.Long)
        self.with_optional_property('priority', TypeCode.Integer)
        self.with_optional_property('delay', TypeCode.Long)
        self.with_optional_property('timeout', TypeCode.Long)
        self.with_optional_property('max_retries', TypeCode.Integer)
        self.with_optional_property('callback_url', TypeCode.String)
        self.with_optional_property('result_ttl', TypeCode.Long)
        self.with_optional_property('unique', TypeCode.Map)
        self.with_optional_property('backoff', TypeCode.Map)
        self.with_optional_property('depends_on', TypeCode.Array)
        self.with_optional_property('idempotency_key', TypeCode.String)  # not blank, at most 256 characters
