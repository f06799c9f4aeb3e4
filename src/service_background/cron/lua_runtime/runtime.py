"""LuaRuntime: the entry point the cron executors and the function endpoint call; each call runs in a
fresh Lua state inside one of a pool of sandbox processes."""
# Calls run under a data-size rlimit; the caller waits at most the timeout plus a grace period, and a
# call still running then has its process killed, so a C call the Lua hook cannot stop (a backtracking
# string.find) or a huge conversion ends with it.
import threading
import weakref
from typing import Any, Collection, List, Optional, Sequence

import lupa.lua54 as lua54

from service_background.common.clients.outbound import OutboundDenied, current_policy
from service_background.cron.lua_runtime.messages import context_to_wire, plain_args
from service_background.cron.lua_runtime.result import LuaRequestContext, LuaResult
from service_background.cron.lua_runtime.sandbox_call import new_lua
from service_background.cron.lua_runtime.sandbox_pool import SandboxPool

MIN_QUEUE_S = 5.0  # a call waits for a free process at least this long (a cold start on a busy machine)


class LuaRuntime:

    def __init__(self, timeout_s: float = 60, max_memory_mb: int = 64, redis_allowed: bool = True,
                 redis_allowed_hosts: Optional[Collection[str]] = None, grace_s: float = 0.5,
                 hook_instructions: int = 10000, processes: int = 4, warm_processes: int = 2,
                 process_headroom_mb: Optional[int] = None, max_reply_mb: int = 8):
        """processes: at most this many sandbox processes; warm_processes: kept started while idle.
        process_headroom_mb: what a sandbox process may allocate past its start (default 3 x the Lua
        limit + 64 MB: the Lua state and the Python side of a conversion). max_reply_mb: the largest
        answer (return value and output) a call sends back."""
        if timeout_s <= 0 or max_memory_mb <= 0 or grace_s < 0 or hook_instructions <= 0 or processes <= 0 \
                or max_reply_mb <= 0:
            raise ValueError('timeout_s, max_memory_mb, hook_instructions, processes and max_reply_mb must be '
                             'positive')
        self.timeout_s = float(timeout_s)
        self.max_memory_mb = int(max_memory_mb)
        self.redis_allowed = redis_allowed
        self.redis_allowed_hosts = redis_allowed_hosts
        self.grace_s = float(grace_s)
        self.hook_instructions = int(hook_instructions)
        self.processes = int(processes)
        self.warm_processes = max(0, min(int(warm_processes), self.processes))
        self.process_headroom_mb = int(process_headroom_mb or 3 * self.max_memory_mb + 64)
        self.max_reply_bytes = int(max_reply_mb) * 1024 * 1024
        self._lock = threading.Lock()
        self._pool: Optional[SandboxPool] = None
        self._finalizer = None
        self._closed = False

    def open(self) -> None:
        """Starts the warm processes now (otherwise the first call does)."""
        with self._lock:
            self._closed = False
        self._running_pool()

    def close(self) -> None:
        """Kills every sandbox process; calls are refused until open() again."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer.detach()
        if pool is not None:
            pool.close()

    def process_ids(self) -> List[int]:
        """The sandbox processes alive now."""
        with self._lock:
            pool = self._pool
        return pool.pids() if pool is not None else []

    def call(self, source: str, function_name: Optional[str], args: Sequence[Any] = (),
             context: Optional[LuaRequestContext] = None, timeout_s: Optional[float] = None,
             chunk_fallback: bool = False) -> LuaResult:
        """Runs the chunk `source`, then calls the global `function_name` with `args` (None: the chunk
        alone is the call). Never raises for anything the Lua code does; see LuaResult."""
        if not isinstance(source, str):
            return LuaResult(ok=False, error='the Lua source must be a string')
        timeout = self.timeout_s if timeout_s is None or timeout_s <= 0 else float(timeout_s)
        request = {'op': 'call', 'source': source, 'function': function_name, 'args': plain_args(args),
                   'context': context_to_wire(context), 'timeout_s': timeout, 'max_memory_mb': self.max_memory_mb,
                   'redis_allowed': self.redis_allowed,
                   'redis_allowed_hosts': sorted(self.redis_allowed_hosts) if self.redis_allowed_hosts is not None
                   else None, 'hook_instructions': self.hook_instructions, 'chunk_fallback': chunk_fallback,
                   'cpu_s': timeout + self.grace_s + 1.0, 'max_reply_bytes': self.max_reply_bytes}
        pool = self._running_pool()
        if pool is None:
            return LuaResult(ok=False, error='the Lua runtime is closed')
        return pool.run(request, max(timeout, MIN_QUEUE_S), timeout + self.grace_s, _resolve)

    def check_syntax(self, source: str) -> Optional[str]:
        """The Lua compile error of `source`, or None when it compiles (nothing is run). Done here, not in
        a sandbox process: compiling is linear in the (size-checked) source and held to the Lua limit."""
        try:
            lua = new_lua(self.max_memory_mb)
            compiled, error = lua.execute(b'local f, e = load(...) return f ~= nil, e',
                                          source.encode('utf-8'), b'=lua', b't')
        except lua54.LuaError as err:
            return str(err).split('\nstack traceback:')[0]
        return None if compiled else error.decode('utf-8', 'replace')

    def _running_pool(self) -> Optional[SandboxPool]:
        with self._lock:
            if self._closed:
                return None
            if self._pool is None:
                self._pool = SandboxPool(self.processes, self.warm_processes, self.process_headroom_mb,
                                         self.max_reply_bytes)
                # a runtime dropped without close() still takes its processes with it
                self._finalizer = weakref.finalize(self, self._pool.close)
            return self._pool


def _resolve(message: dict) -> dict:
    """A sandbox process's redis.open asks where it may connect: the service's outbound policy answers."""
    try:
        return {'address': current_policy().resolve(str(message.get('host')), int(message.get('port')))}
    except OutboundDenied as err:
        return {'denied': str(err)}
    except (OSError, ValueError, TypeError) as err:
        return {'error': str(err)}
