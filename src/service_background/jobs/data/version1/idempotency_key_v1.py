"""The record an idempotency key leaves when its job is deleted, so a retried add still answers that job."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class IdempotencyKeyV1(DataObjectV1):
    """The key (``id``) of a deleted job, kept until ``expires``."""
    _date_fields = frozenset({'created', 'completed', 'expires'})

    def __init__(self, id: Optional[str] = None, job_id: Optional[str] = None, type: Optional[str] = None,
                 status: Optional[str] = None, created: Optional[datetime] = None,
                 completed: Optional[datetime] = None, expires: Optional[datetime] = None):
        self.id = id
        self.job_id = job_id
        self.type = type
        self.status = status
        self.created = created
        self.completed = completed
        self.expires = expires
