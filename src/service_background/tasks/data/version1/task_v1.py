from typing import Optional

from ....common.data import DataObjectV1
from .task_status_v1 import TaskStatusV1

DEFAULT_TIMEOUT = 360  # seconds
DEFAULT_RETRIES = 5


class TaskV1(DataObjectV1):
    """A registered task. ``updated_at`` is unix seconds, as in the seed; ``timeout`` is seconds."""

    def __init__(self, id: Optional[str] = None, namespace_id: Optional[str] = None,
                 timeout: int = DEFAULT_TIMEOUT, retries_left: int = DEFAULT_RETRIES,
                 updated_at: int = 0, status: str = TaskStatusV1.Idle):
        self.id = id
        self.namespace_id = namespace_id
        self.timeout = timeout
        self.retries_left = retries_left
        self.updated_at = updated_at
        self.status = status

    def is_ready(self) -> bool:
        """Capturable: idle or failed, with a retry left."""
        return self.status in TaskStatusV1.Capturable and self.retries_left > 0
