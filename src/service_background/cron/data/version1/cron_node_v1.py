"""CronNodeV1: a worker node registered to a group, with its token and last heartbeat."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class CronNodeV1(DataObjectV1):
    """A worker node of a group. Tokens are kept only as sha256 hashes: ``token_hash`` for a token
    issued by an operator (``/v1/node/token``), ``session_hash`` for the one the last registration
    returned. A node is live while its last heartbeat is younger than 3 heartbeat intervals."""

    _date_fields = frozenset({'registered', 'last_heartbeat'})

    def __init__(self, group_name: Optional[str] = None, node_id: Optional[str] = None,
                 host: Optional[str] = None, heartbeat_interval: float = 5, allow_exec: bool = False,
                 registered: Optional[datetime] = None, last_heartbeat: Optional[datetime] = None,
                 version: Optional[str] = None, token_hash: Optional[str] = None,
                 session_hash: Optional[str] = None):
        self.group_name = group_name
        self.node_id = node_id
        self.host = host
        self.heartbeat_interval = heartbeat_interval
        self.allow_exec = allow_exec
        self.registered = registered
        self.last_heartbeat = last_heartbeat
        self.version = version
        self.token_hash = token_hash
        self.session_hash = session_hash

    @property
    def key(self) -> tuple:
        return self.group_name, self.node_id

    def public(self) -> dict:
        """What the node list shows: no token hashes."""
        data = self.to_json()
        data.pop('token_hash', None)
        data.pop('session_hash', None)
        return data
