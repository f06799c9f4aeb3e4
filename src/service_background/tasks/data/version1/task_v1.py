"""TaskV1, a registered task, and the defaults of a new one."""
from typing import Optional

from service_background.common.data.data_object import DataObjectV1
from service_background.tasks.data.version1.task_status_v1 import TaskStatusV1

DEFAULT_TIMEOUT = 360  # seconds
DEFAULT_RETRIES = 5


class TaskV1(DataObjectV1):
    """A registered task. ``updated_at`` is unix seconds, as in tasks-rest-v1; ``timeout`` is seconds.

    ``lease_token`` (fenced captures): a capture stamps a fresh one on each task it hands out, and it
    is cleared when the task leaves in_progress; a release that names a task's token in its
    ``lease_tokens`` map is refused (409 LEASE_LOST) unless it is still the current one."""

    def __init__(self, id: Optional[str] = None, namespace_id: Optional[str] = None,
                 timeout: int = DEFAULT_TIMEOUT, retries_left: int = DEFAULT_RETRIES,
                 updated_at: int = 0, status: str = TaskStatusV1.Idle, lease_token: Optional[str] = None):
        self.id = id
        self.namespace_id = namespace_id
        self.timeout = timeout
        self.retries_left = retries_left
        self.updated_at = updated_at
        self.status = status
        self.lease_token = lease_token

    def to_json(self) -> dict:
        """The tasks-rest-v1 fields; ``lease_token`` only while the task holds one (in_progress)."""
        data = super().to_json()
        if data.get('lease_token') is None:
            data.pop('lease_token', None)
        return data

    def is_ready(self) -> bool:
        """Capturable: idle or failed, with a retry left."""
        return self.status in TaskStatusV1.Capturable and self.retries_left > 0
