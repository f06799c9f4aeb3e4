from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class RetryV1(DataObjectV1):
    """Attempts made for one (group, id); the pair is the identity. ``idempotency_key``: the key of the
    last attempt counted with one (an add_retry repeated with it counts nothing more)."""

    _date_fields = frozenset({'last_attempt_time', 'expiration_time'})

    def __init__(self, id: Optional[str] = None, group: Optional[str] = None, attempt_count: int = 0,
                 last_attempt_time: Optional[datetime] = None, expiration_time: Optional[datetime] = None,
                 idempotency_key: Optional[str] = None):
        self.id = id
        self.group = group
        self.attempt_count = attempt_count
        self.last_attempt_time = last_attempt_time
        self.expiration_time = expiration_time
        self.idempotency_key = idempotency_key
