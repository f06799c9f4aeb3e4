"""Lua calls run in killable sandbox processes, seen from outside over HTTP: a huge json.decode answers while
the service keeps answering, runaway C calls leave no CPU burning, a DAG json.encode stays in its limit."""
import os
import threading
import time

import pytest
import requests

from ..helpers import free_port, running_container, unique_name

BACKTRACK = ('function Spin() string.find(string.rep("a", 100), string.rep("a*", 9) .. "b") '
             'print("never") end')
DECODE = ('function Decode() local t, err = require("json").decode("[" .. string.rep("1,", %d) .. "1]") '
          'if t == nil then print(err) else print(#t) end end')
DAG = ('function Dag() local t = {1} for i = 1, 22 do t = {t, t} end '
       'local s, err = require("json").encode(t) print(tostring(err)) end')


@pytest.fixture(scope='module')
def service():
    port = free_port()
    with running_container(MEMORY_ENABLED='true', HTTP_FUNC_LISTEN=str(port), CRON_FUNC_TIMEOUT='3') as url:
        yield url, f'http://127.0.0.1:{port}'


@pytest.fixture
def group(service):
    name = unique_name('iso')[:22]
    r = requests.post(f'{service[0]}/v1/register/group', json={'group_name': name}, timeout=10)
    assert r.status_code == 200, r.text
    return name


def _add(url, group_name, name, body, timeout=0):
    r = requests.post(f'{url}/v1/add/func', json={'group_name': group_name, 'name': name, 'lua_body': body,
                                                  'timeout': timeout}, timeout=10)
    assert r.status_code == 200, r.text


def _sandbox_processes():
    """{pid: CPU seconds} of this process's Lua sandbox children (the container runs in the test process)."""
    found = {}
    me = str(os.getpid())
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
            with open(f'/proc/{entry}/cmdline', 'rb') as cmdline:
                command = cmdline.read()
        except OSError:
            continue
        if fields[1] == me and fields[0] != 'Z' and b'sandbox_process' in command:
            found[int(entry)] = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    return found


def _cpu_seconds():
    times = os.times()
    return times.user + times.system + sum(_sandbox_processes().values())


def _status_kb(field):
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise AssertionError(field)


@pytest.mark.parametrize('count', [2_000_000, 5_000_000])
def test_a_huge_decode_answers_within_its_timeout_while_the_service_answers(service, group, count):
    url, func_url = service
    _add(url, group, 'Decode', DECODE % count)
    answer = {}

    def call():
        started = time.monotonic()
        r = requests.get(f'{func_url}/{group}/Decode', timeout=30)
        answer.update(status=r.status_code, text=r.text, elapsed=time.monotonic() - started)

    caller = threading.Thread(target=call)
    caller.start()
    beats = 0
    while caller.is_alive() and beats < 200:
        assert requests.get(f'{url}/heartbeat', timeout=2).status_code == 200
        beats += 1
        time.sleep(0.02)
    caller.join(30)
    assert beats >= 1
    assert answer['status'] in (200, 500, 504), answer
    assert answer['elapsed'] < 3 + 1.5, answer  # CRON_FUNC_TIMEOUT=3, grace 0.5 s, HTTP
    assert answer['status'] != 200 or 'json.decode' in answer['text'] or answer['text'].strip().isdigit()
    assert requests.get(f'{url}/heartbeat', timeout=2).status_code == 200


def test_runaway_c_calls_are_killed_and_leave_no_cpu_burning(service, group):
    url, func_url = service
    _add(url, group, 'Spin', BACKTRACK, timeout=1)
    _add(url, group, 'Quick', 'print("ok")')
    statuses = []

    def call():
        statuses.append(requests.get(f'{func_url}/{group}/Spin', timeout=30).status_code)

    callers = [threading.Thread(target=call) for _ in range(5)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(30)
    assert statuses == [504] * 5
    time.sleep(3)
    before = _cpu_seconds()
    time.sleep(1)
    burnt = _cpu_seconds() - before
    assert burnt < 0.5, f'{burnt:.2f} s of CPU in 1 s after the runaways were answered'
    r = requests.get(f'{func_url}/{group}/Quick', timeout=10)
    assert r.status_code == 200 and r.text == 'ok\n'


def test_a_dag_encode_stays_within_the_lua_memory_limit(service, group):
    url, func_url = service
    _add(url, group, 'Dag', DAG, timeout=10)  # long enough for the error, not the timeout, to answer
    rss_before = _status_kb('VmRSS')
    try:
        with open('/proc/self/clear_refs', 'w') as clear:
            clear.write('5')  # resets VmHWM: the peak below is this call's
    except OSError:
        pass
    started = time.monotonic()
    r = requests.get(f'{func_url}/{group}/Dag', timeout=30)
    assert time.monotonic() - started < 10 + 1.5
    assert r.status_code in (200, 500), r.text
    assert 'json.encode' in r.text or 'memory' in r.text, r.text
    assert _status_kb('VmHWM') - rss_before < 64 * 1024, 'the service grew by more than 64 MB'
    for pid in _sandbox_processes():
        with open(f'/proc/{pid}/status') as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith('VmRSS:'))
        assert rss < (64 * 4 + 128) * 1024  # the Lua limit plus the process's headroom
