"""The cron API of worker nodes (REMOTE@ jobs): tokens, registration, heartbeats, polls and reports,
each checked against its group, or 400 NODES_DISABLED when the process has no node stores."""
from typing import Callable, List, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.cron.data.version1 import CronGroupV1
from service_background.cron.logic.cron_nodes import CronNodeHub

GroupOf = Callable[[Optional[str], str], CronGroupV1]  # (correlation_id, group_name) -> the group, or 404


def require_object(correlation_id: Optional[str], data) -> dict:
    """A request body that must be a JSON object, else 400 BAD_JSON."""
    if not isinstance(data, dict):
        raise BadRequestException(correlation_id, 'BAD_JSON', 'The request must be a JSON object')
    return data


class CronNodeCalls:
    """What the controller offers worker nodes and their admins, over its node hub."""

    def __init__(self, hub: Callable[[], Optional[CronNodeHub]], group_of: GroupOf):
        self._hub = hub  # the controller's hub once its references are set (None: no node stores)
        self._group_of = group_of

    def _nodes(self, correlation_id: Optional[str]) -> CronNodeHub:
        hub = self._hub()
        if hub is None:
            raise BadRequestException(correlation_id, 'NODES_DISABLED', 'worker nodes are not configured')
        return hub

    def get_nodes(self, correlation_id: Optional[str], group_name: str) -> List[dict]:
        self._group_of(correlation_id, group_name)
        hub = self._hub()
        return hub.live_nodes(correlation_id, group_name) if hub is not None else []

    def issue_node_token(self, correlation_id: Optional[str], group_name: str, node_id: str) -> dict:
        return self._nodes(correlation_id).issue_token(correlation_id, self._group_of(correlation_id, group_name),
                                                       node_id)

    def register_node(self, correlation_id: Optional[str], data: dict) -> dict:
        return self._nodes(correlation_id).register(correlation_id, require_object(correlation_id, data))

    def node_heartbeat(self, correlation_id: Optional[str], data: dict) -> dict:
        return self._nodes(correlation_id).heartbeat(correlation_id, require_object(correlation_id, data))

    def poll_node(self, correlation_id: Optional[str], data: dict) -> Optional[dict]:
        return self._nodes(correlation_id).poll(correlation_id, require_object(correlation_id, data))

    async def poll_node_async(self, correlation_id: Optional[str], data: dict) -> Optional[dict]:
        return await self._nodes(correlation_id).poll_async(correlation_id, require_object(correlation_id, data))

    def report_node(self, correlation_id: Optional[str], data: dict) -> dict:
        return self._nodes(correlation_id).report(correlation_id, require_object(correlation_id, data))
