"""Runs synchronous work from the event loop: inline when it never blocks (memory stores) or only waits
for an fsync (file stores: the reply awaits it), else in one bounded thread pool shared by every
service of the process (pymongo, Lua)."""
import asyncio
import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

from service_background.common.persistence.journal_sync import DURABLE_INLINE, call_durably

_pool: Optional[ThreadPoolExecutor] = None
_pool_size = int(os.environ.get('BLOCKING_THREADS', '64') or 64)


def configure_pool(size: int):
    """Sets the shared pool's size (options.threads of the API endpoint) before it is first used."""
    global _pool_size
    _pool_size = max(1, int(size))


def pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_pool_size, thread_name_prefix='blocking')
    return _pool


async def run_sync(blocking: bool, function: Callable, *args: Any,
                   executor: Optional[ThreadPoolExecutor] = None) -> Any:
    """``function(*args)``: inline when ``blocking`` is false, else in ``executor`` (the shared pool by
    default) with the caller's context, so the request context reaches the handler."""
    if not blocking:
        return function(*args)
    if blocking is DURABLE_INLINE:  # file stores: inline, the reply after the covering fsync
        return await call_durably(function, *args)
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(executor or pool(), context.run, function, *args)
