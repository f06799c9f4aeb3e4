"""A job's function runs with its arguments; return values and printed output come back."""
from service_background.cron.lua_runtime import LuaRuntime

JOB = '''
function nightly(job_id, group, plan_time, exec_time)
  print("job", job_id, group)
  return {id = job_id, group = group, delay = exec_time - plan_time, list = {1, 2.5, "x", true}}
end
'''


def test_job_function_gets_its_arguments_and_returns_a_value(runtime):
    result = runtime.call(JOB, 'nightly', ['j1', 'g1', 1700000000, 1700000003])
    assert result.ok, result.error
    assert result.value == {'id': 'j1', 'group': 'g1', 'delay': 3, 'list': [1, 2.5, 'x', True]}
    assert result.output == 'job\tj1\tg1\n'
    assert result.error is None and not result.timed_out
    assert result.duration_ms >= 0


def test_several_values_and_no_value(runtime):
    assert runtime.call('function f() return 1, "a" end', 'f').value == [1, 'a']
    none = runtime.call('function f() end', 'f')
    assert none.ok and none.value is None


def test_print_captures_everything_including_before_an_error(runtime):
    result = runtime.call('print("a", 1, nil, true) print() print({} ~= nil) error("boom")', None)
    assert not result.ok
    assert result.output == 'a\t1\tnil\ttrue\n\ntrue\n'
    assert result.error == 'lua:1: boom'


def test_lua_error_in_the_function_is_reported_with_its_message(runtime):
    result = runtime.call('function j()\n  local t = nil\n  return t.x\nend', 'j')
    assert not result.ok and not result.timed_out
    assert result.error.startswith('j:3: attempt to index a nil value')


def test_error_object_that_is_not_a_string(runtime):
    result = runtime.call('error({code = 7})', None)
    assert not result.ok and '7' in result.error


def test_syntax_error(runtime):
    result = runtime.call('function j( end', 'j')
    assert not result.ok and 'near' in result.error
    assert 'near' in runtime.check_syntax('function j( end')
    assert runtime.check_syntax('function j() end') is None


def test_missing_function(runtime):
    result = runtime.call('function a() end function b() end', 'job')
    assert not result.ok and result.error == "function 'job' is not defined"
    assert runtime.call('x = 1', 'job').error == "function 'job' is not defined"


def test_single_new_function_is_called_when_the_name_does_not_match(runtime):
    # The documented add/func example names the func "Hello" but defines HelloWorld.
    result = runtime.call('function HelloWorld(a) print("hello " .. a) end', 'Hello', ['you'])
    assert result.ok and result.output == 'hello you\n'


def test_chunk_fallback_runs_a_body_without_functions(runtime):
    result = runtime.call('print("body") return 42', 'Hello', chunk_fallback=True)
    assert result.ok and result.output == 'body\n' and result.value == 42
    assert runtime.call('print("body")', 'Hello').error == "function 'Hello' is not defined"


def test_chunk_alone_when_no_function_name(runtime):
    result = runtime.call('local x = 2 return x * 21', None)
    assert result.ok and result.value == 42


def test_globals_do_not_leak_between_calls(runtime):
    assert runtime.call('leak = "secret"', None).ok
    assert runtime.call('return leak', None).value is None


def test_non_ascii_and_binary_strings():
    runtime = LuaRuntime(timeout_s=5)
    result = runtime.call('function f(s) print(s) return s .. "\\255" end', 'f', ['héllo'])
    assert result.output == 'héllo\n'
    assert result.value == 'héllo\ufffd'
