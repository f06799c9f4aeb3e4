"""One Lua call in a fresh Lua 5.4 state: no globals, memory or connections survive from one call to the
next, so calls are isolated without any locking (a fresh state is cheap next to a call)."""
import time
from typing import Any, Collection, Optional, Sequence

import lupa.lua54 as lua54

from service_background.cron.lua_runtime.convert import ConversionBudget, ConversionError, from_lua, to_lua
from service_background.cron.lua_runtime.json_module import make_json_functions
from service_background.cron.lua_runtime.prelude import PRELUDE
from service_background.cron.lua_runtime.redis_module import RedisBridge
from service_background.cron.lua_runtime.result import LuaRequestContext, LuaResult

LUA_MEMORY_MESSAGE = 'not enough memory'
BYTES_PER_VALUE = 256  # a conversion may make max_memory / 256 values: about what the Lua side can hold


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    # Lua never receives Python objects; this stops attribute access should one ever slip through.
    raise AttributeError('access to Python attributes is not allowed')


def new_lua(max_memory_mb: int) -> lua54.LuaRuntime:
    return lua54.LuaRuntime(register_eval=False, register_builtins=False, unpack_returned_tuples=True,
                            encoding=None, attribute_filter=_deny_attributes,
                            max_memory=max_memory_mb * 1024 * 1024)


class SandboxCall:

    def __init__(self, source: str, function_name: Optional[str], args: Sequence[Any],
                 context: Optional[LuaRequestContext], timeout_s: float, max_memory_mb: int,
                 redis_allowed: bool, redis_allowed_hosts: Optional[Collection[str]],
                 hook_instructions: int, chunk_fallback: bool, policy: Any = None):
        """policy: what the redis module resolves addresses with (None: the process's outbound policy)."""
        self._source = source
        self._policy = policy
        self._budget = ConversionBudget(max(10000, max_memory_mb * 1024 * 1024 // BYTES_PER_VALUE),
                                        self._check_deadline)
        self._function_name = function_name
        self._args = list(args)
        self._context = context
        self._timeout_s = timeout_s
        self._max_memory_mb = max_memory_mb
        self._redis_allowed = redis_allowed
        self._redis_allowed_hosts = redis_allowed_hosts
        self._hook_instructions = hook_instructions
        self._chunk_fallback = chunk_fallback
        self._deadline = 0.0
        self._expired = False

    def execute(self) -> LuaResult:
        started = time.monotonic()
        self._deadline = started + self._timeout_s
        lua = new_lua(self._max_memory_mb)
        bridge = RedisBridge(lua, self._remaining_s, self._redis_allowed_hosts, self._policy, self._budget)
        output_fn = None
        try:
            run, output_fn = lua.execute(PRELUDE, *self._prelude_args(lua, bridge))
            returned = run(_to_bytes(self._source), _to_bytes('=' + (self._function_name or 'lua')),
                           _to_bytes(self._function_name), to_lua(lua, self._args, budget=self._budget.fresh()),
                           len(self._args), self._chunk_fallback)
            ok, rest = returned[0], returned[1:]
            if ok:
                value, error = self._value(rest[1:]), None
            else:
                value, error = None, self._message(rest[0] if rest else None)
        except (lua54.LuaMemoryError, MemoryError):  # MemoryError: the process's own limit, in a conversion
            value, error = None, LUA_MEMORY_MESSAGE
        except (lua54.LuaError, ConversionError) as err:
            value, error = None, str(err).split('\nstack traceback:')[0]
        finally:
            bridge.close_all()
        output = self._output(output_fn)
        duration_ms = (time.monotonic() - started) * 1000.0
        if self._expired:
            return LuaResult(ok=False, output=output, error='timeout', timed_out=True, duration_ms=duration_ms)
        if error == LUA_MEMORY_MESSAGE:
            error = f'memory limit exceeded ({self._max_memory_mb} MB)'
        if isinstance(value, ConversionError):
            error = f'cannot convert the return value: {value}'
        return LuaResult(ok=error is None, value=None if error else value, output=output, error=error,
                         duration_ms=duration_ms)

    def _prelude_args(self, lua: lua54.LuaRuntime, bridge: RedisBridge) -> list:
        encode, decode = make_json_functions(lua, self._budget, self._max_memory_mb * 1024 * 1024 // 4)
        context = None
        if self._context is not None:
            context = to_lua(lua, {'method': self._context.method, 'headers': self._context.headers,
                                   'body': self._context.body, 'query': self._context.query},
                             budget=self._budget.fresh())
        redis_functions = (bridge.open, bridge.exec, bridge.close) if self._redis_allowed else (None,) * 3
        return [self._check_deadline, self._hook_instructions, encode, decode, *redis_functions, context]

    def _check_deadline(self) -> bool:
        if time.monotonic() >= self._deadline:
            self._expired = True
        return self._expired

    def _remaining_s(self) -> float:
        return self._deadline - time.monotonic()

    def _value(self, values: tuple) -> Any:
        try:
            budget = self._budget.fresh()
            converted = [from_lua(value, budget=budget) for value in values]
        except ConversionError as err:
            return err
        if not converted:
            return None
        return converted[0] if len(converted) == 1 else converted

    def _message(self, error: Any) -> str:
        if isinstance(error, bytes):
            return error.decode('utf-8', 'replace')
        if error is None:
            return 'error (nil)'
        try:
            return f'error object: {from_lua(error, budget=self._budget.fresh())}'
        except ConversionError:
            return 'error object (not convertible)'

    @staticmethod
    def _output(output_fn: Any) -> str:
        if output_fn is None:
            return ''
        # After a timeout the hook may still fire once inside output() before it clears itself: retry.
        for _ in range(3):
            try:
                pieces, count = output_fn()
                return b''.join(pieces[index] for index in range(1, count + 1)).decode('utf-8', 'replace')
            except lua54.LuaError:
                continue
        return ''


def _to_bytes(text: Optional[str]) -> Optional[bytes]:
    return text.encode('utf-8') if isinstance(text, str) else text
