"""CronJobV1: a scheduled job, its interval pattern, what it calls and its next run."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class CronJobV1(DataObjectV1):
    """A scheduled job; (group_name, job_id) is the identity. ``exec_time`` is unix seconds
    (0 = now); ``next_run`` is None when nothing more is planned (paused, or a finished @once)."""

    _date_fields = frozenset({'next_run', 'last_run', 'created', 'updated'})

    def __init__(self, group_name: Optional[str] = None, job_id: Optional[str] = None, name: Optional[str] = None,
                 exec_time: int = 0, request_url: Optional[str] = None, interval_pattern: Optional[str] = None,
                 exec_command: str = '', timeout: float = 60, memo: str = '', active: bool = True,
                 next_run: Optional[datetime] = None, last_run: Optional[datetime] = None,
                 last_result: Optional[dict] = None, created: Optional[datetime] = None,
                 updated: Optional[datetime] = None):
        self.group_name = group_name
        self.job_id = job_id
        self.name = name
        self.exec_time = exec_time
        self.request_url = request_url
        self.interval_pattern = interval_pattern
        self.exec_command = exec_command
        self.timeout = timeout
        self.memo = memo
        self.active = active
        self.next_run = next_run
        self.last_run = last_run
        self.last_result = last_result
        self.created = created
        self.updated = updated

    @property
    def key(self) -> tuple:
        return self.group_name, self.job_id
