"""The store of published Lua functions in MongoDB."""
from typing import List, Optional

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.cron.data.version1 import CronFuncV1
from service_background.cron.persistence.i_cron_funcs_persistence import ICronFuncsPersistence


def _doc_id(group_name: str, name: str) -> str:
    return f'{group_name}/{name}'  # group names hold no slash, so the first one splits


class CronFuncsMongoDbPersistence(MongoDbPersistence, ICronFuncsPersistence):

    def __init__(self):
        super().__init__('cron_funcs', CronFuncV1)

    def _define_indexes(self):
        self._collection.create_index([('group_name', 1), ('name', 1)])

    def _doc_id(self, item: CronFuncV1) -> str:
        return _doc_id(item.group_name, item.name)

    def get_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self.get_one_by_id(correlation_id, _doc_id(group_name, name))

    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        return self.get_list_by_filter(correlation_id, {'group_name': group_name}, sort=[('name', 1)])

    def set_func(self, correlation_id: Optional[str], func: CronFuncV1) -> CronFuncV1:
        return self.set(correlation_id, func)

    def delete_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self.delete_by_id(correlation_id, _doc_id(group_name, name))

    def delete_funcs(self, correlation_id: Optional[str], group_name: str) -> int:
        return self.delete_by_filter(correlation_id, {'group_name': group_name})
