"""require("redis") against a real redis-server (fixture redis_port in conftest.py)."""
import json
import uuid

import redis

from service_background.cron.lua_runtime import LuaRequestContext, LuaRuntime

SCRIPT = '''
function job(address, key)
  local redis = require("redis")
  local conn, err = redis.open(address, 0)
  if err then error(err) end
  local set_reply, e1 = conn:exec("SET", {key, "41"})
  local incr_reply, e2 = conn:exec("INCR", {key})
  local get_reply, e3 = conn:exec("GET", {key})
  local bad_reply, bad_err = conn:exec("LPUSH", {key, "x"})
  local unknown, unknown_err = conn:exec("NOSUCHCOMMAND", {})
  conn:exec("RPUSH", {key .. ":list", "a", "b", 3})
  local range = conn:exec("LRANGE", {key .. ":list", 0, -1})
  local missing = conn:exec("GET", {key .. ":missing"})
  return {set = set_reply, incr = incr_reply, get = get_reply, bad = tostring(bad_reply),
          bad_err = bad_err, unknown_err = unknown_err, range = range, missing = tostring(missing),
          errs = tostring(e1) .. tostring(e2) .. tostring(e3)}
end
'''


def test_set_get_incr_and_error_reply(redis_port):
    key = 'lua:' + uuid.uuid4().hex
    result = LuaRuntime(timeout_s=10).call(SCRIPT, 'job', [f'127.0.0.1:{redis_port}', key])
    assert result.ok, result.error
    value = result.value
    assert value['set'] == 'OK' and value['incr'] == 42 and value['get'] == '42'
    assert value['errs'] == 'nilnilnil'
    assert value['bad'] == 'nil' and value['bad_err'].startswith('WRONGTYPE')
    assert value['unknown_err'].startswith("unknown command 'NOSUCHCOMMAND'")  # redis-py drops 'ERR '
    assert value['range'] == ['a', 'b', '3'] and value['missing'] == 'nil'
    # The write really reached the server.
    assert redis.Redis(port=redis_port).get(key) == b'42'


def test_documented_function_example(redis_port):
    """The documented add/func example, with its address pointed at the test server."""
    redis.Redis(port=redis_port, db=3).set('YM', '55')
    body = ('function HelloWorld()\n     local json = require("json")\n     local redis = require("redis")\n'
            f'     local conn,err = redis.open("127.0.0.1:{redis_port}",3)\n'
            '     local reply,err = conn:exec("GET",{"YM"})\n     if err then error(err) end\n\n'
            '     local table = {\n         ["method"]=method(),\n         ["headers"]=headers(),\n'
            '         ["YM"]=tonumber(reply)\n     }\n     local result,err = json.encode(table)\n'
            '     if err then error(err) end\n     print(result)\nend')
    context = LuaRequestContext(method='GET', headers={'Accept': '*/*'})
    result = LuaRuntime(timeout_s=10).call(body, 'Hello', context=context)
    assert result.ok, result.error
    assert json.loads(result.output) == {'method': 'GET', 'headers': {'Accept': '*/*'}, 'YM': 55}


def test_open_errors_are_returned(redis_port):
    code = '''local redis = require("redis")
local a, e1 = redis.open("127.0.0.1:1", 0)
local b, e2 = redis.open("not an address:x", 0)
local c, e3 = redis.open("127.0.0.1:%d", -1)
return tostring(a), e1, tostring(b), e2, tostring(c), e3''' % redis_port
    value = LuaRuntime(timeout_s=10).call(code, None).value
    assert value[0] == 'nil' and value[1].startswith('redis.open: ')
    assert value[2] == 'nil' and 'bad port' in value[3]
    assert value[4] == 'nil' and 'db must be' in value[5]


def test_closed_connection_and_bad_arguments(redis_port):
    code = '''local conn = require("redis").open("127.0.0.1:%d", 0)
local r1, e1 = conn:exec("GET", {{}})
local r2, e2 = conn:exec("GET", {true})
conn:close()
local r3, e3 = conn:exec("PING", {})
return e1, e2, e3''' % redis_port
    value = LuaRuntime(timeout_s=10).call(code, None).value
    assert 'strings or numbers' in value[0] and 'strings or numbers' in value[1]
    assert value[2] == 'redis: connection is closed'


def test_blocking_command_is_bounded_by_the_call_timeout(redis_port):
    code = '''local conn = require("redis").open("127.0.0.1:%d", 0)
local reply, err = conn:exec("BLPOP", {"lua:never:%s", 0})
return tostring(reply), err''' % (redis_port, uuid.uuid4().hex)
    result = LuaRuntime(timeout_s=0.5, grace_s=10).call(code, None)
    assert result.ok and result.value[0] == 'nil' and 'Timeout' in result.value[1]
    assert result.duration_ms < 5000


def test_redis_can_be_disabled_or_restricted(redis_port):
    disabled = LuaRuntime(timeout_s=5, redis_allowed=False).call('require("redis")', None)
    assert not disabled.ok and "module 'redis' is disabled" in disabled.error
    restricted = LuaRuntime(timeout_s=5, redis_allowed_hosts={'10.9.9.9'})
    value = restricted.call('return require("redis").open("127.0.0.1:%d", 0)' % redis_port, None).value
    assert value[0] is None and 'not an allowed redis host' in value[1]
