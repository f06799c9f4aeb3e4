"""The limits of one queue (concurrency, rate, group concurrency), as the queue-limits stores keep them."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class QueueLimitV1(DataObjectV1):
    """The limits of one queue: ``id`` is the job type; None = no such limit."""
    _date_fields = frozenset({'updated'})

    def __init__(self, id: Optional[str] = None, concurrency: Optional[int] = None,
                 rate_limit: Optional[int] = None, rate_period_ms: Optional[int] = None,
                 updated: Optional[datetime] = None, group_concurrency: Optional[int] = None):
        self.id = id
        self.concurrency = concurrency
        self.rate_limit = rate_limit
        self.rate_period_ms = rate_period_ms
        self.updated = updated
        self.group_concurrency = group_concurrency  # running jobs per group key (fair queues)

    def to_public(self) -> dict:
        rate = {'limit': self.rate_limit, 'period_ms': self.rate_period_ms} if self.rate_limit is not None else None
        return {'type': self.id, 'concurrency': self.concurrency, 'rate': rate,
                'group_concurrency': self.group_concurrency}
