"""The store of cron groups in MongoDB."""
from typing import List, Optional

from pymongo.errors import DuplicateKeyError

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.cron.data.version1 import CronGroupV1
from service_background.cron.persistence.i_cron_groups_persistence import ICronGroupsPersistence


class CronGroupsMongoDbPersistence(MongoDbPersistence, ICronGroupsPersistence):
    """_id is the group name."""

    def __init__(self):
        super().__init__('cron_groups', CronGroupV1)

    def _doc_id(self, item: CronGroupV1) -> str:
        return item.group_name

    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        return self.get_list_by_filter(correlation_id, {}, sort=[('_id', 1)])

    def get_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]:
        return self.get_one_by_id(correlation_id, group_name)

    def create_group(self, correlation_id: Optional[str], group: CronGroupV1) -> Optional[CronGroupV1]:
        try:
            self._collection.insert_one(self._to_doc(group))
        except DuplicateKeyError:
            return None
        return group.clone()

    def set_group(self, correlation_id: Optional[str], group: CronGroupV1) -> CronGroupV1:
        self._collection.replace_one({'_id': group.group_name}, self._to_doc(group), upsert=True)
        return group.clone()

    def delete_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]:
        return self.delete_by_id(correlation_id, group_name)
