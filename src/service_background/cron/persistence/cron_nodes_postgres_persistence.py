"""The store of registered worker nodes on PostgreSQL: one row per (group, node)."""
from typing import List, Optional

from service_background.cron.data.version1 import CronNodeV1
from service_background.cron.persistence.cron_postgres_persistence import NUMBER, TEXT_KEY, CronPostgresPersistence
from service_background.cron.persistence.i_cron_nodes_persistence import ICronNodesPersistence


class CronNodesPostgresPersistence(CronPostgresPersistence, ICronNodesPersistence):
    """Table ``table`` (default "cron_nodes"): the primary key (group_name, node_id) serves lookups, a
    group's list in node order and a group's delete. A heartbeat is one UPDATE of one row."""

    def __init__(self):
        super().__init__('cron_nodes', CronNodeV1, ('group_name', 'node_id'))

    def _migrations(self) -> List[str]:
        return [f'CREATE TABLE {self.table()} (group_name {TEXT_KEY} NOT NULL, node_id {TEXT_KEY} NOT NULL, '
                f'host text, heartbeat_interval {NUMBER}, allow_exec boolean, registered timestamptz, '
                'last_heartbeat timestamptz, version text, token_hash text, session_hash text, '
                'PRIMARY KEY (group_name, node_id))']

    def get_node(self, correlation_id: Optional[str], group_name: str, node_id: str) -> Optional[CronNodeV1]:
        return self._get_by_key((group_name, node_id))

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> List[CronNodeV1]:
        return self._list('group_name = %s', (group_name,), 'node_id')

    def set_node(self, correlation_id: Optional[str], node: CronNodeV1) -> CronNodeV1:
        return self._insert(node, replace=True)

    def update_node(self, correlation_id: Optional[str], group_name: str, node_id: str,
                    fields: dict) -> Optional[CronNodeV1]:
        return self._update_by_key((group_name, node_id), fields)

    def delete_nodes(self, correlation_id: Optional[str], group_name: str) -> int:
        return self._delete_where('group_name = %s', (group_name,))
