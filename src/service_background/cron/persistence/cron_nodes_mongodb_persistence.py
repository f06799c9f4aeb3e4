"""The store of registered worker nodes in MongoDB."""
from typing import List, Optional

from pymongo import ReturnDocument

from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.cron.data.version1 import CronNodeV1
from service_background.cron.persistence.i_cron_nodes_persistence import ICronNodesPersistence


def _doc_id(group_name: str, node_id: str) -> str:
    return f'{group_name}/{node_id}'  # neither part holds a slash


class CronNodesMongoDbPersistence(MongoDbPersistence, ICronNodesPersistence):

    def __init__(self):
        super().__init__('cron_nodes', CronNodeV1)

    def _define_indexes(self):
        self._collection.create_index([('group_name', 1), ('node_id', 1)])

    def _doc_id(self, item: CronNodeV1) -> str:
        return _doc_id(item.group_name, item.node_id)

    def get_node(self, correlation_id: Optional[str], group_name: str, node_id: str) -> Optional[CronNodeV1]:
        return self.get_one_by_id(correlation_id, _doc_id(group_name, node_id))

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> List[CronNodeV1]:
        return self.get_list_by_filter(correlation_id, {'group_name': group_name}, sort=[('node_id', 1)])

    def set_node(self, correlation_id: Optional[str], node: CronNodeV1) -> CronNodeV1:
        return self.set(correlation_id, node)

    def update_node(self, correlation_id: Optional[str], group_name: str, node_id: str,
                    fields: dict) -> Optional[CronNodeV1]:
        doc = self._collection.find_one_and_update({'_id': _doc_id(group_name, node_id)}, {'$set': fields},
                                                   return_document=ReturnDocument.AFTER)
        return self._from_doc(doc)

    def delete_nodes(self, correlation_id: Optional[str], group_name: str) -> int:
        return self.delete_by_filter(correlation_id, {'group_name': group_name})
