"""LuaRuntime: the entry point the cron executors and the function endpoint call. Thread-safe: each call
gets a fresh Lua state (SandboxCall) on its own worker thread, and the caller waits at most the timeout
plus a grace period. The Lua count hook stops runaway Lua code at the deadline; the grace period covers
what a hook cannot interrupt (one long C call, e.g. a backtracking string.find): the caller gets a
timed-out result and the abandoned thread is counted until it ends, so a flood of those is refused
instead of eating every core."""
import threading
import time
from typing import Any, Collection, Optional, Sequence

import lupa.lua54 as lua54

from .result import LuaRequestContext, LuaResult
from .sandbox_call import SandboxCall, new_lua

_runaway_lock = threading.Lock()
_runaway_count = 0


def runaway_calls() -> int:
    """How many abandoned calls are still running in this process."""
    return _runaway_count


class LuaRuntime:

    def __init__(self, timeout_s: float = 60, max_memory_mb: int = 64, redis_allowed: bool = True,
                 redis_allowed_hosts: Optional[Collection[str]] = None, grace_s: float = 2.0,
                 max_runaway: int = 4, hook_instructions: int = 10000):
        if timeout_s <= 0 or max_memory_mb <= 0 or grace_s < 0 or hook_instructions <= 0:
            raise ValueError('timeout_s, max_memory_mb and hook_instructions must be positive')
        self.timeout_s = float(timeout_s)
        self.max_memory_mb = int(max_memory_mb)
        self.redis_allowed = redis_allowed
        self.redis_allowed_hosts = redis_allowed_hosts
        self.grace_s = float(grace_s)
        self.max_runaway = max_runaway
        self.hook_instructions = int(hook_instructions)

    def call(self, source: str, function_name: Optional[str], args: Sequence[Any] = (),
             context: Optional[LuaRequestContext] = None, timeout_s: Optional[float] = None,
             chunk_fallback: bool = False) -> LuaResult:
        """Runs the chunk `source`, then calls the global `function_name` with `args` (None: the chunk
        alone is the call). Never raises for anything the Lua code does; see LuaResult."""
        if not isinstance(source, str):
            return LuaResult(ok=False, error='the Lua source must be a string')
        timeout = self.timeout_s if timeout_s is None or timeout_s <= 0 else float(timeout_s)
        with _runaway_lock:
            if _runaway_count >= self.max_runaway:
                return LuaResult(ok=False, error='too many runaway Lua calls are still running, try later')
        call = SandboxCall(source, function_name, args, context, timeout, self.max_memory_mb,
                           self.redis_allowed, self.redis_allowed_hosts, self.hook_instructions, chunk_fallback)
        return _run_watched(call, timeout + self.grace_s)

    def check_syntax(self, source: str) -> Optional[str]:
        """The Lua compile error of `source`, or None when it compiles (nothing is run)."""
        try:
            lua = new_lua(self.max_memory_mb)
            compiled, error = lua.execute(b'local f, e = load(...) return f ~= nil, e',
                                          source.encode('utf-8'), b'=lua', b't')
        except lua54.LuaError as err:
            return str(err).split('\nstack traceback:')[0]
        return None if compiled else error.decode('utf-8', 'replace')


def _run_watched(call: SandboxCall, wait_s: float) -> LuaResult:
    global _runaway_count
    started = time.monotonic()
    state = {'result': None, 'abandoned': False}

    def work() -> None:
        global _runaway_count
        try:
            result = call.execute()
        except Exception as err:  # a bug of ours, not of the Lua code: still an answer, not a dead thread
            result = LuaResult(ok=False, error=f'lua runtime failure: {type(err).__name__}: {err}')
        with _runaway_lock:
            state['result'] = result
            if state['abandoned']:
                _runaway_count -= 1

    worker = threading.Thread(target=work, name='lua-call', daemon=True)
    worker.start()
    worker.join(wait_s)
    with _runaway_lock:
        if state['result'] is not None:
            return state['result']
        state['abandoned'] = True
        _runaway_count += 1
    return LuaResult(ok=False, error='timeout', timed_out=True, duration_ms=(time.monotonic() - started) * 1000.0)
