"""A jobs worker's name on its calls (``worker: {id, host, pid, ...}``) and its heartbeat: a report_jobs call
whenever no other call went out for one period, so the service lists it and its cancels reach it."""
import asyncio
import logging
import os
import secrets
import socket
from typing import Awaitable, Callable, Iterable, List

from service_background.version import package_version

log = logging.getLogger('service-background-worker')

DEFAULT_HEARTBEAT = 1.0  # s
MAX_RUNNING = 10_000  # job ids one call lists (the service's bound)
MAX_HOST = 180  # of the id's 200 characters


def new_worker_id() -> str:
    """``host:pid:6 hex``: unique among the workers of a host, readable in the dashboard."""
    return f'{socket.gethostname()[:MAX_HOST]}:{os.getpid()}:{secrets.token_hex(3)}'


class WorkerIdentity:
    """What a worker says of itself; ``describe(running, busy)`` is the ``worker`` object of one call."""

    def __init__(self, types: Iterable[str], concurrency: int, heartbeat: float) -> None:
        self.id = new_worker_id()
        self._static = {'id': self.id, 'host': socket.gethostname()[:255], 'pid': os.getpid(),
                        'version': package_version(), 'types': list(types), 'concurrency': concurrency,
                        'heartbeat_ms': int(heartbeat * 1000) if heartbeat > 0 else None}
        if self._static['heartbeat_ms'] is None:
            del self._static['heartbeat_ms']
        self._concurrency = concurrency

    def describe(self, running: List[str], busy: int) -> dict:
        info = self._static.copy()
        info['running'] = running if len(running) <= MAX_RUNNING else running[:MAX_RUNNING]
        info['busy'] = busy
        info['idle'] = max(0, self._concurrency - busy)
        return info


class Heartbeat:
    """Calls ``beat()`` whenever ``last_call()`` (loop time of the worker's latest call) is one
    ``interval`` old; run() until cancelled."""

    def __init__(self, beat: Callable[[], Awaitable[object]], last_call: Callable[[], float],
                 interval: float) -> None:
        self._beat = beat
        self._last_call = last_call
        self._interval = interval

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        beat_at = loop.time()
        while True:
            wait = max(self._last_call(), beat_at) + self._interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            beat_at = loop.time()
            try:
                await self._beat()
            except asyncio.CancelledError:
                raise
            except Exception as ex:  # noqa: BLE001 - the service is away: the next beat tries again
                log.debug('heartbeat not sent: %s', ex)
