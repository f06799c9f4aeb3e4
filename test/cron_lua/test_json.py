"""require("json"): encode/decode with (value) or (nil, err), like gopher-json."""
import json

ROUND_TRIP = '''
local json = require("json")
local original = {name = "job", n = 42, f = 1.5, ok = true, list = {1, 2, 3}, nested = {a = {b = "c"}},
                  text = "quote \\" and é"}
local text, err = json.encode(original)
if err then error(err) end
local back, err2 = json.decode(text)
if err2 then error(err2) end
print(text)
return back
'''


def test_round_trip(runtime):
    result = runtime.call(ROUND_TRIP, None)
    assert result.ok, result.error
    expected = {'name': 'job', 'n': 42, 'f': 1.5, 'ok': True, 'list': [1, 2, 3], 'nested': {'a': {'b': 'c'}},
                'text': 'quote " and é'}
    assert result.value == expected
    assert json.loads(result.output) == expected


def test_decode_values(runtime):
    code = ('local json = require("json") local v = json.decode(\'{"a": [1, null, 3], "b": null, "c": 1e400}\') '
            'return v.a[1], v.a[2], v.a[3], v.b, #json.decode("[]"), json.decode("12"), json.decode(\'"s"\')')
    assert runtime.call(code, None).value == [1, None, 3, None, 0, 12, 's']


def test_encode_shapes(runtime):
    code = ('local json = require("json") return json.encode({}), json.encode(10 / 2), json.encode("x"), '
            'json.encode({[1] = "a", [2] = "b"}), json.encode(nil)')
    assert runtime.call(code, None).value == ['[]', '5', '"x"', '["a","b"]', 'null']


def test_encode_errors_are_returned_not_raised(runtime):
    code = '''local json = require("json")
local cyc = {} cyc.self = cyc
local r = {}
for _, v in ipairs({{[1] = 1, x = 2}, {[1] = 1, [3] = 3}, {f = print}, cyc, {0/0}}) do
  local s, err = json.encode(v)
  r[#r + 1] = tostring(s) .. "|" .. tostring(err)
end
return r'''
    result = runtime.call(code, None)
    assert result.ok, result.error
    messages = result.value
    assert len(messages) == 5
    assert all(m.startswith('nil|json.encode: ') for m in messages), messages
    assert 'mixed' in messages[0] and 'sparse' in messages[1] and 'function' in messages[2]
    assert 'nesting' in messages[3] and 'NaN' in messages[4]


def test_decode_errors_are_returned_not_raised(runtime):
    code = ('local json = require("json") local a, e1 = json.decode("{x") local b, e2 = json.decode(nil) '
            'return a, e1, b, e2')
    value = runtime.call(code, None).value
    assert value[0] is None and value[1].startswith('json.decode: ')
    assert value[2] is None and value[3] == 'json.decode: a string is expected'
