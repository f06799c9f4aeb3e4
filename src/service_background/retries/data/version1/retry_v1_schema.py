from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ObjectSchema


class RetryV1Schema(ObjectSchema):

    def __init__(self):
        super().__init__()
        self.with_required_property('id', TypeCode.String)
        self.with_required_property('group', TypeCode.String)
        self.with_optional_property('attempt_count', TypeCode.Long)
        self.with_optional_property('last_attempt_time', None)
        self.with_optional_property('expiration_time', None)
        self.with_optional_property('idempotency_key', TypeCode.String)
