"""The store of published Lua functions in memory (also the base of the file store)."""
from typing import List, Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.cron.data.version1 import CronFuncV1
from service_background.cron.persistence.i_cron_funcs_persistence import ICronFuncsPersistence


class CronFuncsMemoryPersistence(MemoryPersistence, ICronFuncsPersistence):

    def __init__(self):
        super().__init__(CronFuncV1)

    def _key(self, item: CronFuncV1):
        return item.group_name, item.name

    def get_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self._get_one_by_key(correlation_id, (group_name, name))

    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        return self.get_list_by_filter(correlation_id, lambda f: f.group_name == group_name, sort=lambda f: f.name)

    def set_func(self, correlation_id: Optional[str], func: CronFuncV1) -> CronFuncV1:
        with self._lock:
            return self._store(func.clone())

    def delete_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self.delete_by_key(correlation_id, (group_name, name))

    def delete_funcs(self, correlation_id: Optional[str], group_name: str) -> int:
        return self.delete_by_filter(correlation_id, lambda f: f.group_name == group_name)
