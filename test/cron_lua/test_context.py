"""Functions get the HTTP request through method(), headers(), body(), query()."""
import json

from service_background.cron.lua_runtime import LuaRequestContext

BODY = '''
function Echo()
  local json = require("json")
  local q = query()
  print(json.encode({method = method(), agent = headers()["User-Agent"], body = json.decode(body()),
                     name = q.name, tags = q.tag}))
end
'''


def test_request_context(runtime):
    context = LuaRequestContext(method='POST', headers={'User-Agent': 'curl/8', 'X-Empty': ''},
                                body='{"n": 1}', query={'name': 'x', 'tag': ['a', 'b']})
    result = runtime.call(BODY, 'Echo', context=context)
    assert result.ok, result.error
    assert json.loads(result.output) == {'method': 'POST', 'agent': 'curl/8', 'body': {'n': 1}, 'name': 'x',
                                         'tags': ['a', 'b']}


def test_bytes_body_and_defaults(runtime):
    result = runtime.call('return method(), body(), #query()', None, context=LuaRequestContext(body=b'\x00raw'))
    assert result.value == ['GET', '\x00raw', 0]


def test_jobs_have_no_request_functions(runtime):
    result = runtime.call('return method()', None)
    assert not result.ok and "global 'method'" in result.error
