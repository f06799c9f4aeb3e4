"""A live worker process, as the workers stores keep it: what it said of itself on its last call, when it was
last seen and since when it runs."""
from datetime import datetime
from typing import List, Optional

from service_background.common.data.data_object import DataObjectV1

DEFAULT_HEARTBEAT_MS = 1000
LIVE_HEARTBEATS = 3  # a worker not seen for this many heartbeats is gone


class JobWorkerV1(DataObjectV1):
    """One worker: ``id`` as it names itself (``host:pid:random``); ``running`` the ids of the jobs it runs;
    ``busy``/``idle`` its slots in use and free; ``heartbeat_ms`` how often it calls in."""
    _date_fields = frozenset({'last_seen', 'started'})

    def __init__(self, id: Optional[str] = None, host: Optional[str] = None, pid: Optional[int] = None,
                 version: Optional[str] = None, types: Optional[List[str]] = None,
                 concurrency: Optional[int] = None, running: Optional[List[str]] = None,
                 busy: Optional[int] = None, idle: Optional[int] = None, last_seen: Optional[datetime] = None,
                 started: Optional[datetime] = None, heartbeat_ms: int = DEFAULT_HEARTBEAT_MS):
        self.id = id
        self.host = host
        self.pid = pid
        self.version = version
        self.types = types if types is not None else []
        self.concurrency = concurrency
        self.running = running if running is not None else []
        self.busy = busy
        self.idle = idle
        self.last_seen = last_seen
        self.started = started
        self.heartbeat_ms = heartbeat_ms

    def live_until_ms(self, slack_ms: float = 0) -> float:
        """The epoch ms after which the worker counts as gone (``slack_ms`` later for a copy that may lag)."""
        seen = self.last_seen.timestamp() * 1000 if self.last_seen is not None else 0
        return seen + LIVE_HEARTBEATS * (self.heartbeat_ms or DEFAULT_HEARTBEAT_MS) + slack_ms
