"""Sandboxed Lua 5.4 (lupa) for LUA@ cron jobs and published functions, run in a pool of killable
processes: see docs/cron_lua.md."""
from service_background.cron.lua_runtime.result import LuaRequestContext, LuaResult
from service_background.cron.lua_runtime.runtime import LuaRuntime

__all__ = ['LuaRuntime', 'LuaRequestContext', 'LuaResult']
