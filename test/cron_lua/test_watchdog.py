"""The last line of defence: a C call the Lua hook cannot interrupt (pattern backtracking) gives the caller a
timed-out result at timeout + grace, and its sandbox process is killed and replaced, so nothing runs on."""
import os
import time

from service_background.cron.lua_runtime import LuaRuntime

# ~5 s of backtracking inside one string.find call on a 2-core CI machine, against a timeout + grace of
# 0.3 s: a machine 15 times faster still outlasts it.
BACKTRACK = 'string.find(string.rep("a", 60), string.rep("a*", 6) .. "b")'


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as stat:
            return stat.read().split(')')[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_stuck_c_call_gets_its_process_killed_and_replaced():
    runtime = LuaRuntime(timeout_s=0.1, grace_s=0.2, processes=1, warm_processes=1)
    try:
        assert runtime.call('return 1', None).value == 1
        [before] = runtime.process_ids()
        started = time.monotonic()
        result = runtime.call(BACKTRACK, None)
        assert time.monotonic() - started < 3
        assert result.timed_out and result.error == 'timeout'
        assert not _alive(before)
        assert runtime.call('return 1', None, timeout_s=5).value == 1
        assert before not in runtime.process_ids()
    finally:
        runtime.close()
    assert runtime.process_ids() == []


def test_closed_runtime_refuses_and_leaves_no_process():
    runtime = LuaRuntime(timeout_s=5)
    assert runtime.call('return 2', None).value == 2
    pids = runtime.process_ids()
    assert pids and all(_alive(pid) for pid in pids)
    runtime.close()
    assert not any(_alive(pid) for pid in pids)
    refused = runtime.call('return 1', None)
    assert not refused.ok and 'closed' in refused.error
    runtime.open()
    try:
        assert runtime.call('return 3', None).value == 3
    finally:
        runtime.close()
    assert os.getpid() not in pids
