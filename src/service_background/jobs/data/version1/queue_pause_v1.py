"""A paused queue, as the queue-pauses stores keep it: takes skip its type until it is resumed."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class QueuePauseV1(DataObjectV1):
    """One paused queue: ``id`` is the job type."""
    _date_fields = frozenset({'paused_at'})

    def __init__(self, id: Optional[str] = None, paused_at: Optional[datetime] = None):
        self.id = id
        self.paused_at = paused_at
