"""Fixtures of the Lua sandbox tests: a LuaRuntime with small limits."""
import pytest

from service_background.cron.lua_runtime import LuaRuntime


@pytest.fixture
def runtime():
    return LuaRuntime(timeout_s=5, max_memory_mb=16)
