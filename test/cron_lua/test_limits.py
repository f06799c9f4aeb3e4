"""Time and memory limits: runaway code is stopped and reported, the caller never hangs."""
import time

import pytest

from service_background.cron.lua_runtime import LuaRuntime

RUNAWAYS = [
    'while true do end',
    'local function f() return f() end f()',
    'while true do pcall(function() while true do end end) end',
    'while true do xpcall(function() while true do end end, function(e) return e end) end',
    'coroutine.wrap(function() while true do end end)()',
    'while true do coroutine.resume(coroutine.create(function() while true do end end)) end',
    'local t = setmetatable({}, {__index = function(t, k) while true do end end}) return t.x',
    'while true do local ok = pcall(string.rep, "x", 10) end',
]


@pytest.mark.parametrize('code', RUNAWAYS)
def test_runaway_code_stops_at_the_timeout(code):
    runtime = LuaRuntime(timeout_s=60, grace_s=30)  # the hook, not the watchdog, must stop these
    started = time.monotonic()
    result = runtime.call(code, None, timeout_s=0.5)
    elapsed = time.monotonic() - started
    assert result.timed_out and not result.ok
    assert result.error == 'timeout'
    assert 0.4 < elapsed < 5
    assert 400 <= result.duration_ms < 5000


def test_runaway_job_function_keeps_its_output():
    runtime = LuaRuntime(timeout_s=0.5)
    result = runtime.call('function job(id) print("started " .. id) while true do end end', 'job', ['j1'])
    assert result.timed_out and result.output == 'started j1\n'


def test_runtime_default_timeout_and_per_call_override():
    runtime = LuaRuntime(timeout_s=0.3)
    assert runtime.call('while true do end', None).timed_out
    assert runtime.call('local x = 0 for i = 1, 1000 do x = x + i end return x', None, timeout_s=2).value == 500500


def test_memory_bomb_stops_with_a_memory_error():
    runtime = LuaRuntime(timeout_s=10, max_memory_mb=8)
    for code in ['local t = {} for i = 1, 1e9 do t[i] = i end',
                 'local s = "x" while true do s = s .. s end',
                 'local t = {} while true do t[#t + 1] = string.rep("y", 1e5) end']:
        result = runtime.call(code, None)
        assert not result.ok and not result.timed_out, code
        assert result.error == 'memory limit exceeded (8 MB)', (code, result.error)


def test_memory_error_caught_by_pcall_leaves_the_limit_in_place():
    runtime = LuaRuntime(timeout_s=10, max_memory_mb=8)
    code = 'local ok, err = pcall(function() local t = {} for i = 1, 1e9 do t[i] = i end end) return ok, err'
    result = runtime.call(code, None)
    assert result.ok and result.value == [False, 'not enough memory']


def test_runtime_is_usable_after_limits():
    runtime = LuaRuntime(timeout_s=0.3, max_memory_mb=8)
    assert runtime.call('while true do end', None).timed_out
    assert runtime.call('local t = {} for i = 1, 1e9 do t[i] = i end', None).error.startswith('memory')
    assert runtime.call('return 1', None).value == 1


def test_bad_limits_are_rejected():
    with pytest.raises(ValueError):
        LuaRuntime(timeout_s=0)
    with pytest.raises(ValueError):
        LuaRuntime(max_memory_mb=0)
