"""What the queue limits component needs of its store: the interface its memory, file and MongoDB stores meet."""
from abc import ABC, abstractmethod
from typing import List, Optional

from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1


class IQueueLimitsPersistence(ABC):

    @abstractmethod
    def get_list_by_filter(self, correlation_id: Optional[str], filter=None, sort=None,
                           select=None) -> List[QueueLimitV1]: ...

    @abstractmethod
    def set(self, correlation_id: Optional[str], item: QueueLimitV1) -> QueueLimitV1: ...

    @abstractmethod
    def delete_by_id(self, correlation_id: Optional[str], id: str) -> Optional[QueueLimitV1]: ...
