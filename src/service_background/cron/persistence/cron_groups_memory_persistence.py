"""The store of cron groups in memory (also the base of the file store)."""
from typing import List, Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.cron.data.version1 import CronGroupV1
from service_background.cron.persistence.i_cron_groups_persistence import ICronGroupsPersistence


class CronGroupsMemoryPersistence(MemoryPersistence, ICronGroupsPersistence):

    def __init__(self):
        super().__init__(CronGroupV1)

    def _key(self, item: CronGroupV1):
        return item.group_name

    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        return self.get_list_by_filter(correlation_id, None, sort=lambda g: g.group_name)

    def get_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]:
        return self._get_one_by_key(correlation_id, group_name)

    def create_group(self, correlation_id: Optional[str], group: CronGroupV1) -> Optional[CronGroupV1]:
        with self._lock:
            if group.group_name in self._items:
                return None
            return self._store(group.clone())

    def set_group(self, correlation_id: Optional[str], group: CronGroupV1) -> CronGroupV1:
        with self._lock:
            return self._store(group.clone())

    def delete_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]:
        return self.delete_by_key(correlation_id, group_name)
