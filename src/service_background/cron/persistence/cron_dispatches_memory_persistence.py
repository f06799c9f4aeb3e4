"""The store of REMOTE@ executions queued for worker nodes in memory (also the base of the file store)."""
from datetime import datetime
from typing import List, Optional, Sequence

from pip_services3_commons.data import IdGenerator

from service_background.common.data import clock
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.cron.data.version1 import CronDispatchV1
from service_background.cron.data.version1.cron_dispatch_v1 import CLOSED_STATUSES, QUEUED, RUNNING
from service_background.cron.persistence.i_cron_dispatches_persistence import ICronDispatchesPersistence


class CronDispatchesMemoryPersistence(MemoryPersistence, ICronDispatchesPersistence):
    """Few records live at once (closed ones are removed minutes later), so scans are fine."""

    def __init__(self):
        super().__init__(CronDispatchV1)

    def create_dispatch(self, correlation_id: Optional[str], dispatch: CronDispatchV1) -> CronDispatchV1:
        dispatch = dispatch.clone()
        dispatch.id = dispatch.id or IdGenerator.next_long()
        with self._lock:
            return self._store(dispatch)

    def get_dispatch(self, correlation_id: Optional[str], id: str) -> Optional[CronDispatchV1]:
        return self._get_one_by_key(correlation_id, id)

    def take_next(self, correlation_id: Optional[str], group_name: str, node_id: str, now: datetime,
                  report_until_ms: float) -> Optional[CronDispatchV1]:
        with self._lock:
            ready = [d for d in self._items.values() if d.group_name == group_name and d.node_id == node_id
                     and d.status == QUEUED and d.take_until > now]
            if not ready:
                return None
            dispatch = min(ready, key=lambda d: (d.created, d.id)).clone()
            dispatch.status, dispatch.taken = RUNNING, now
            dispatch.report_until = clock.add_ms(now, dispatch.timeout * 1000 + report_until_ms)
            return self._store(dispatch)

    def finish(self, correlation_id: Optional[str], id: str, statuses: Sequence[str],
               fields: dict) -> Optional[CronDispatchV1]:
        def change(dispatch: Optional[CronDispatchV1]) -> Optional[CronDispatchV1]:
            if dispatch is None or dispatch.status not in statuses:
                return None
            for name, value in fields.items():
                setattr(dispatch, name, value)
            return dispatch
        return self.modify(correlation_id, id, change)

    def get_overdue(self, correlation_id: Optional[str], now: datetime) -> List[CronDispatchV1]:
        return self.get_list_by_filter(correlation_id, lambda d: (d.status == QUEUED and d.take_until < now) or
                                       (d.status == RUNNING and d.report_until < now))

    def delete_closed_before(self, correlation_id: Optional[str], before: datetime) -> int:
        return self.delete_by_filter(correlation_id, lambda d: d.status in CLOSED_STATUSES and d.finished < before)

    def delete_dispatches(self, correlation_id: Optional[str], group_name: str) -> int:
        return self.delete_by_filter(correlation_id, lambda d: d.group_name == group_name)
