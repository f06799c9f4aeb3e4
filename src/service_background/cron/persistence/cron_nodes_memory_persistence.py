"""The store of registered worker nodes in memory (also the base of the file store)."""
import copy
from typing import List, Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.cron.data.version1 import CronNodeV1
from service_background.cron.persistence.i_cron_nodes_persistence import ICronNodesPersistence


class CronNodesMemoryPersistence(MemoryPersistence, ICronNodesPersistence):

    def __init__(self):
        super().__init__(CronNodeV1)

    def _key(self, item: CronNodeV1):
        return item.group_name, item.node_id

    def get_node(self, correlation_id: Optional[str], group_name: str, node_id: str) -> Optional[CronNodeV1]:
        return self._get_one_by_key(correlation_id, (group_name, node_id))

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> List[CronNodeV1]:
        return self.get_list_by_filter(correlation_id, lambda n: n.group_name == group_name, sort=lambda n: n.node_id)

    def set_node(self, correlation_id: Optional[str], node: CronNodeV1) -> CronNodeV1:
        with self._lock:
            return self._store(node.clone())

    def update_node(self, correlation_id: Optional[str], group_name: str, node_id: str,
                    fields: dict) -> Optional[CronNodeV1]:
        fields = copy.deepcopy(fields)

        def change(node: Optional[CronNodeV1]) -> Optional[CronNodeV1]:
            if node is not None:
                for name, value in fields.items():
                    setattr(node, name, value)
            return node
        return self.modify(correlation_id, (group_name, node_id), change)

    def delete_nodes(self, correlation_id: Optional[str], group_name: str) -> int:
        return self.delete_by_filter(correlation_id, lambda n: n.group_name == group_name)
