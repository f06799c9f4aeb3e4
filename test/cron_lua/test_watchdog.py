"""The last line of defence: a C call the Lua hook cannot interrupt (pattern backtracking) still gives
the caller a timed-out result at timeout + grace, and too many such runaways are refused."""
import time

from service_background.cron.lua_runtime import LuaRuntime, runaway_calls

# ~5 s of backtracking inside one string.find call on a 2-core CI machine, against a timeout + grace of
# 0.3 s: a machine 15 times faster still outlasts it; the abandoned thread ends soon after.
BACKTRACK = 'string.find(string.rep("a", 60), string.rep("a*", 6) .. "b")'


def test_stuck_c_call_is_abandoned_at_timeout_plus_grace():
    runtime = LuaRuntime(timeout_s=0.1, grace_s=0.2, max_runaway=1)
    started = time.monotonic()
    result = runtime.call(BACKTRACK, None)
    assert time.monotonic() - started < 3
    assert result.timed_out and result.error == 'timeout'
    assert runaway_calls() == 1
    refused = runtime.call('return 1', None)
    assert not refused.ok and 'too many runaway' in refused.error
    deadline = time.monotonic() + 120
    while runaway_calls() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert runaway_calls() == 0
    assert runtime.call('return 1', None).value == 1
