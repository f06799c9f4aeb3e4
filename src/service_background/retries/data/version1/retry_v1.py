"""RetryV1, the attempts counted for one (group, id): its field table is the one source of its constructor,
schema and JSON."""
from datetime import datetime
from typing import Optional

from pip_services3_commons.convert import TypeCode

from service_background.common.data.data_object import DataObjectV1
from service_background.common.data.field_table import FieldTable, data_field


class RetryV1(DataObjectV1, metaclass=FieldTable, slots=False):
    """Attempts made for one (group, id); the pair is the identity. ``idempotency_key``: the key of the
    last attempt counted with one (an add_retry repeated with it counts nothing more)."""

    id: Optional[str] = data_field(default=None, type_code=TypeCode.String, required=True)
    group: Optional[str] = data_field(default=None, type_code=TypeCode.String, required=True)
    attempt_count: int = data_field(default=0, type_code=TypeCode.Long)
    last_attempt_time: Optional[datetime] = data_field(default=None)
    expiration_time: Optional[datetime] = data_field(default=None)
    idempotency_key: Optional[str] = data_field(default=None, type_code=TypeCode.String)
