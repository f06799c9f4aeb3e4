"""LUA@ jobs in the real container: arguments, sandbox, time limit, json and redis."""
import json
import time
from datetime import datetime

import redis
import requests

from .conftest import add_job
from .test_cron_nodes import _runs


def _run(url, group_name, source, name='Hello', timeout=2):
    job = add_job(url, group_name, 'LUA@', '@once', name=name, exec_command=source, timeout=timeout)
    [run] = _runs(url, group_name, job['job_id'], 1, timeout=timeout + 10)
    return job, run


def test_the_function_named_like_the_job_gets_its_arguments(cron_url, group):
    name, _ = group
    job, run = _run(cron_url, name, '''
        local calls = 0
        function other() error("not me") end
        function nightly(job_id, group, plan_time, exec_time)
          print(job_id, group, string.format("%.3f", plan_time), exec_time >= plan_time)
          return {ok = true}
        end''', name='nightly')
    planned = requests.get(f'{cron_url}/v1/{name}/job/list', timeout=10).json()[0]['last_result']['planned_time']
    assert run['status'] == 'ok' and run['error'] is None, run
    job_id, group_name, plan_time, late = run['output'].split('\n')[0].split('\t')
    assert (job_id, group_name, late) == (job['job_id'], name, 'true')
    assert abs(float(plan_time) - datetime.fromisoformat(planned.replace('Z', '+00:00')).timestamp()) < 0.002
    assert run['output'].endswith('=> {"ok":true}')


def test_the_sandbox_refuses_os_io_and_other_modules(cron_url, group):
    name, _ = group
    for source, message in (('function Hello() os.execute("touch /tmp/cron_pwned") end', "global 'os'"),
                            ('function Hello() io.open("/etc/passwd") end', "global 'io'"),
                            ('function Hello() require("os") end', "module 'os' is not available"),
                            ('function Hello() dofile("/etc/passwd") end', "global 'dofile'"),
                            ('function Hello() debug.getinfo(1) end', "global 'debug'")):
        _, run = _run(cron_url, name, source)
        assert run['status'] == 'failed' and message in run['error'], (source, run)


def test_a_runaway_loop_is_stopped_at_the_timeout_and_the_scheduler_goes_on(cron_url, group, target):
    name, _ = group
    ticker = add_job(cron_url, name, f'HTTP@{target.url}/lua_tick', '@every 1s')
    started = time.time()
    _, run = _run(cron_url, name, 'function Hello() while true do end end', timeout=1)
    assert run['status'] == 'failed' and run['error'] == 'timeout after 1s', run
    assert time.time() - started < 6
    assert len(target.wait_for('/lua_tick', 2, timeout=5, job_id=ticker['job_id'])) >= 2


def test_bad_lua_is_400(cron_url, group):
    name, _ = group
    for source in ('', 'function Hello( end'):
        r = requests.post(f'{cron_url}/v1/add/job', json={'group_name': name, 'name': 'x', 'request_url': 'LUA@',
                                                          'interval_pattern': '@once', 'exec_command': source},
                          timeout=10)
        assert r.status_code == 400 and r.json()['code'] == 'BAD_EXEC_COMMAND', r.text


def test_json_round_trip_and_redis(cron_url, group, redis_port):  # noqa: F811
    name, _ = group
    _, run = _run(cron_url, name, '''
        function Hello(job_id)
          local json = require("json")
          local value = json.decode(json.encode({a = {1, 2, 3}, b = "x", c = {d = true}}))
          local conn, err = require("redis").open("127.0.0.1:%d", 0)
          if err then error(err) end
          conn:exec("SET", {"cron:" .. job_id, json.encode(value)})
          local count = conn:exec("INCR", {"cron:count"})
          print(count)
          return value
        end''' % redis_port)
    assert run['status'] == 'ok', run
    printed, returned = run['output'].split('\n=> ')
    expected = {'a': [1, 2, 3], 'b': 'x', 'c': {'d': True}}
    assert printed == '1' and json.loads(returned) == expected
    client = redis.Redis(host='127.0.0.1', port=redis_port)
    assert json.loads(client.get(f'cron:{run["job_id"]}')) == expected
