"""The sandbox processes themselves: their data limit, the size of what they send back, the redis module's
outbound check answered by the service, and that none outlives the service that started it."""
import json
import os
import signal
import subprocess
import sys
import time

from service_background.common.clients.outbound import OutboundPolicy, set_current_policy
from service_background.cron.lua_runtime import LuaRuntime


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as stat:
            return stat.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_python_side_allocation_past_the_process_limit_is_an_error_not_a_crash():
    # 2.5M empty objects are ~160 MB of Python dicts from a 7.5 MB text: past 64 MB of headroom
    runtime = LuaRuntime(timeout_s=30, max_memory_mb=32, processes=1, warm_processes=1, process_headroom_mb=64)
    try:
        code = ('local t, err = require("json").decode("[" .. string.rep("{},", 2500000) .. "{}]") '
                'return tostring(t), err')
        result = runtime.call(code, None)
        assert result.ok, result.error
        assert result.value == ['nil', 'json.decode: MemoryError'], result.value
        assert runtime.call('return 7', None).value == 7
    finally:
        runtime.close()


def test_replies_are_held_to_their_size():
    runtime = LuaRuntime(timeout_s=10, max_reply_mb=1)
    try:
        printed = runtime.call('for i = 1, 200000 do print("line " .. i) end', None)
        assert printed.ok and len(printed.output.encode()) <= 512 * 1024
        assert printed.output.endswith('line 200000\n')
        big = runtime.call('local t = {} for i = 1, 100000 do t[i] = "0123456789" end return t', None)
        assert not big.ok and 'larger than' in big.error
        assert runtime.call('return "small"', None).value == 'small'
    finally:
        runtime.close()


def test_the_redis_module_asks_the_service_outbound_policy():
    set_current_policy(OutboundPolicy(deny='127.0.0.3'))
    runtime = LuaRuntime(timeout_s=10)
    try:
        result = runtime.call('return require("redis").open("127.0.0.3:6379", 0)', None)
        assert result.ok and result.value[0] is None and 'denied' in result.value[1], result.value
    finally:
        runtime.close()
        set_current_policy(None)


CHILD = '''
import sys, time
from service_background.cron.lua_runtime import LuaRuntime
runtime = LuaRuntime(timeout_s=60, processes=2, warm_processes=2)
runtime.open()
while len(runtime.process_ids()) < 2:
    time.sleep(0.05)
print(" ".join(map(str, runtime.process_ids())), flush=True)
runtime.call("while true do end", None)
'''


def test_sandbox_processes_die_with_the_service():
    service = subprocess.Popen([sys.executable, '-c', CHILD], stdout=subprocess.PIPE)
    try:
        pids = [int(pid) for pid in service.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
        time.sleep(0.3)  # one of them is now in its endless loop
    finally:
        os.kill(service.pid, signal.SIGKILL)
        service.wait(10)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids), json.dumps(pids)
