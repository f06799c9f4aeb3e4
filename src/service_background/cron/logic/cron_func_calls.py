"""The cron API of published Lua functions: add, list, remove and call, each checked against its group,
or 400 FUNCS_DISABLED when the process has no function store."""
from typing import Callable, List, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.cron.data.version1 import CronFuncV1, CronGroupV1
from service_background.cron.logic.cron_funcs import CronFuncs
from service_background.cron.logic.cron_node_calls import GroupOf, require_object
from service_background.cron.lua_runtime import LuaRequestContext


class CronFuncCalls:
    """What the controller offers for functions, over its function logic. ``live_group`` finds a group
    for a call (the runner's short cache when it runs, so a burst of calls does not read the store each)."""

    def __init__(self, funcs: Callable[[], Optional[CronFuncs]], group_of: GroupOf,
                 live_group: Callable[[str], Optional[CronGroupV1]]):
        self._funcs = funcs  # the controller's function logic once its references are set (None: no store)
        self._group_of = group_of
        self._live_group = live_group

    @property
    def enabled(self) -> bool:
        return self._funcs() is not None

    def _logic(self, correlation_id: Optional[str]) -> CronFuncs:
        funcs = self._funcs()
        if funcs is None:
            raise BadRequestException(correlation_id, 'FUNCS_DISABLED', 'functions are not configured')
        return funcs

    def add_func(self, correlation_id: Optional[str], data: dict) -> CronFuncV1:
        data = require_object(correlation_id, data)
        group = self._group_of(correlation_id, data.get('group_name'))
        return self._logic(correlation_id).add(correlation_id, group.group_name, data)

    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        self._group_of(correlation_id, group_name)
        return self._logic(correlation_id).get_funcs(correlation_id, group_name)

    def remove_func(self, correlation_id: Optional[str], group_name: str, name: str) -> CronFuncV1:
        self._group_of(correlation_id, group_name)
        return self._logic(correlation_id).remove(correlation_id, group_name, name)

    def call_func(self, group_name: str, name: str, context: LuaRequestContext, otp_code: Optional[str]):
        """(body, content type) of a call of a published function (the func endpoint's only route)."""
        return self._logic(None).call(group_name, name, self._live_group, context, otp_code)
