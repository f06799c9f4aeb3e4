"""The store of published Lua functions on PostgreSQL: one row per (group, name)."""
from typing import List, Optional

from service_background.cron.data.version1 import CronFuncV1
from service_background.cron.persistence.cron_postgres_persistence import NUMBER, TEXT_KEY, CronPostgresPersistence
from service_background.cron.persistence.i_cron_funcs_persistence import ICronFuncsPersistence


class CronFuncsPostgresPersistence(CronPostgresPersistence, ICronFuncsPersistence):
    """Table ``table`` (default "cron_funcs"): the primary key (group_name, name) serves lookups, a
    group's list in name order and a group's delete."""

    def __init__(self):
        super().__init__('cron_funcs', CronFuncV1, ('group_name', 'name'))

    def _migrations(self) -> List[str]:
        return [f'CREATE TABLE {self.table()} (group_name {TEXT_KEY} NOT NULL, name {TEXT_KEY} NOT NULL, '
                f'use_otp boolean, disable_group_otp boolean, lua_body text, memo text, timeout {NUMBER}, '
                'otp_secret text, created timestamptz, updated timestamptz, PRIMARY KEY (group_name, name))']

    def get_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self._get_by_key((group_name, name))

    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        return self._list('group_name = %s', (group_name,), 'name')

    def set_func(self, correlation_id: Optional[str], func: CronFuncV1) -> CronFuncV1:
        return self._insert(func, replace=True)

    def delete_func(self, correlation_id: Optional[str], group_name: str, name: str) -> Optional[CronFuncV1]:
        return self._delete_by_key((group_name, name))

    def delete_funcs(self, correlation_id: Optional[str], group_name: str) -> int:
        return self._delete_where('group_name = %s', (group_name,))
