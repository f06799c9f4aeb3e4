"""The cron controller's calls from outside the scheduler: worker nodes (REMOTE@ jobs) and published
Lua functions. Mixed into CronController, whose groups, node hub, functions and runner they use."""
from typing import List, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.cron.data.version1 import CronFuncV1
from service_background.cron.lua_runtime import LuaRequestContext
from service_background.cron.logic.cron_funcs import CronFuncs
from service_background.cron.logic.cron_nodes import CronNodeHub


class CronRemoteCalls:

    # --- worker nodes (REMOTE@) -------------------------------------------------------------
    def _nodes(self, correlation_id: Optional[str]) -> CronNodeHub:
        if self._hub is None:
            raise BadRequestException(correlation_id, 'NODES_DISABLED', 'worker nodes are not configured')
        return self._hub

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> list:
        self._group(correlation_id, group_name)
        return self._hub.live_nodes(correlation_id, group_name) if self._hub is not None else []

    def issue_node_token(self, correlation_id: Optional[str], group_name: str, node_id: str) -> dict:
        return self._nodes(correlation_id).issue_token(correlation_id, self._group(correlation_id, group_name),
                                                       node_id)

    def register_node(self, correlation_id: Optional[str], data: dict) -> dict:
        return self._nodes(correlation_id).register(correlation_id, self._require_object(correlation_id, data))

    def node_heartbeat(self, correlation_id: Optional[str], data: dict) -> dict:
        return self._nodes(correlation_id).heartbeat(correlation_id, self._require_object(correlation_id, data))

    def poll_node(self, correlation_id: Optional[str], data: dict) -> Optional[dict]:
        return self._nodes(correlation_id).poll(correlation_id, self._require_object(correlation_id, data))

    async def poll_node_async(self, correlation_id: Optional[str], data: dict) -> Optional[dict]:
        return await self._nodes(correlation_id).poll_async(correlation_id, self._require_object(correlation_id, data))

    def report_node(self, correlation_id: Optional[str], data: dict) -> dict:
        return self._nodes(correlation_id).report(correlation_id, self._require_object(correlation_id, data))

    # --- functions --------------------------------------------------------------------------
    def _func_logic(self, correlation_id: Optional[str]) -> CronFuncs:
        if self._funcs is None:
            raise BadRequestException(correlation_id, 'FUNCS_DISABLED', 'functions are not configured')
        return self._funcs

    def add_func(self, correlation_id: Optional[str], data: dict) -> CronFuncV1:
        data = self._require_object(correlation_id, data)
        group = self._group(correlation_id, data.get('group_name'))
        return self._func_logic(correlation_id).add(correlation_id, group.group_name, data)

    def get_funcs(self, correlation_id: Optional[str], group_name: str) -> List[CronFuncV1]:
        self._group(correlation_id, group_name)
        return self._func_logic(correlation_id).get_funcs(correlation_id, group_name)

    def remove_func(self, correlation_id: Optional[str], group_name: str, name: str) -> CronFuncV1:
        self._group(correlation_id, group_name)
        return self._func_logic(correlation_id).remove(correlation_id, group_name, name)

    def call_func(self, group_name: str, name: str, context: LuaRequestContext, otp_code: Optional[str]):
        """(body, content type) of a call of a published function (the func endpoint's only route)."""
        return self._func_logic(None).call(group_name, name, lambda g: self._runner.group(g)[0]
                                           if self._runner else self._groups.get_group(None, g), context, otp_code)
