from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ObjectSchema


class JobV1Schema(ObjectSchema):

    def __init__(self):
        super().__init__()
        self.with_required_property('id', TypeCode.String)
        self.with_required_property('type', TypeCode.String)
        self.with_optional_property('ref_id', TypeCode.String)
        self.with_optional_property('params', None)
        self.with_optional_property('priority', TypeCode.Integer)
        self.with_optional_property('status', TypeCode.String)
        self.with_optional_property('result', None)
        for name in ('created', 'started', 'locked_until', 'execute_until', 'completed', 'not_before', 'remove_at'):
            self.with_optional_property(name, None)
        self.with_optional_property('retries', TypeCode.Integer)
        self.with_optional_property('max_retries', TypeCode.Integer)
        self.with_optional_property('timeout', TypeCode.Long)
        self.with_optional_property('result_ttl', TypeCode.Long)
        self.with_optional_property('callback_url', TypeCode.String)
        self.with_optional_property('last_error', TypeCode.String)
        self.with_optional_property('lease_token', TypeCode.String)
        for name in ('unique_key', 'unique_until', 'batch_id', 'idempotency_key'):
            self.with_optional_property(name, TypeCode.String)
        for name in ('unique_expires', 'backoff', 'depends_on', 'waiting_on'):
            self.with_optional_property(name, None)
