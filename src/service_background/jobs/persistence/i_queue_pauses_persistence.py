"""What the paused queues component needs of its store: the interface its memory, file and MongoDB stores meet."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1


class IQueuePausesPersistence(ABC):

    @abstractmethod
    def get_list_by_filter(self, correlation_id: Optional[str], filter=None, sort=None,
                           select=None) -> List[QueuePauseV1]: ...

    @abstractmethod
    def set(self, correlation_id: Optional[str], item: QueuePauseV1) -> QueuePauseV1: ...

    @abstractmethod
    def delete_by_id(self, correlation_id: Optional[str], id: str) -> Optional[QueuePauseV1]: ...
