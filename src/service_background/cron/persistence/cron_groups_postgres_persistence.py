"""The store of cron groups on PostgreSQL: one row per group, keyed by its name."""
from typing import List, Optional

from service_background.cron.data.version1 import CronGroupV1
from service_background.cron.persistence.cron_postgres_persistence import TEXT_KEY, CronPostgresPersistence
from service_background.cron.persistence.i_cron_groups_persistence import ICronGroupsPersistence


class CronGroupsPostgresPersistence(CronPostgresPersistence, ICronGroupsPersistence):
    """Table ``table`` (default "cron_groups"): the primary key serves lookups and the name order."""

    def __init__(self):
        super().__init__('cron_groups', CronGroupV1, ('group_name',))

    def _migrations(self) -> List[str]:
        return [f'CREATE TABLE {self.table()} (group_name {TEXT_KEY} PRIMARY KEY, otp_secret text, '
                'created timestamptz, memo text, node_secret text)']

    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        return self._list('true', (), 'group_name')

    def get_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]:
        return self._get_by_key((group_name,))

    def create_group(self, correlation_id: Optional[str], group: CronGroupV1) -> Optional[CronGroupV1]:
        return self._insert(group, replace=False)

    def set_group(self, correlation_id: Optional[str], group: CronGroupV1) -> CronGroupV1:
        return self._insert(group, replace=True)

    def delete_group(self, correlation_id: Optional[str], group_name: str) -> Optional[CronGroupV1]:
        return self._delete_by_key((group_name,))
