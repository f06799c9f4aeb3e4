"""The interface of the store of REMOTE@ executions queued for worker nodes."""
from abc import ABC, abstractmethod
from datetime import datetime
from typing import List, Optional, Sequence

from service_background.cron.data.version1 import CronDispatchV1


class ICronDispatchesPersistence(ABC):
    """The durable queue of REMOTE@ executions, one record per (run, node)."""

    @abstractmethod
    def create_dispatch(self, correlation_id: Optional[str], dispatch: CronDispatchV1) -> CronDispatchV1: ...

    @abstractmethod
    def get_dispatch(self, correlation_id: Optional[str], id: str) -> Optional[CronDispatchV1]: ...

    @abstractmethod
    def take_next(self, correlation_id: Optional[str], group_name: str, node_id: str, now: datetime,
                  report_until_ms: float) -> Optional[CronDispatchV1]:
        """Atomically takes the oldest queued dispatch of the node whose take_until is after ``now``:
        sets it running, ``taken`` = now and ``report_until`` = now + its timeout + ``report_until_ms``."""

    @abstractmethod
    def finish(self, correlation_id: Optional[str], id: str, statuses: Sequence[str],
               fields: dict) -> Optional[CronDispatchV1]:
        """Atomically sets ``fields`` if the dispatch's status is one of ``statuses``; else None
        (someone else closed it first)."""

    @abstractmethod
    def get_overdue(self, correlation_id: Optional[str], now: datetime) -> List[CronDispatchV1]:
        """Queued ones past take_until and running ones past report_until."""

    @abstractmethod
    def delete_closed_before(self, correlation_id: Optional[str], before: datetime) -> int: ...

    @abstractmethod
    def delete_dispatches(self, correlation_id: Optional[str], group_name: str) -> int: ...
