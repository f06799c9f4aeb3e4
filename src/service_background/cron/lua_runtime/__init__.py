"""Sandboxed Lua 5.4 (lupa) for LUA@ cron jobs and published functions: see docs/cron_lua.md."""
from .result import LuaRequestContext, LuaResult
from .runtime import LuaRuntime, runaway_calls

__all__ = ['LuaRuntime', 'LuaRequestContext', 'LuaResult', 'runaway_calls']
