"""Nothing outside the sandbox is reachable: no os, io, files, debug, bytecode, Python, or modules
other than json and redis."""
import pytest

FORBIDDEN = [
    ('os.execute("echo hacked")', "global 'os'"),
    ('io.open("/etc/passwd")', "global 'io'"),
    ('require("os")', "module 'os' is not available"),
    ('require("io")', "module 'io' is not available"),
    ('require("debug")', "module 'debug' is not available"),
    ('loadfile("/etc/passwd")', "global 'loadfile'"),
    ('dofile("/etc/passwd")', "global 'dofile'"),
    ('debug.getinfo(1)', "global 'debug'"),
    ('debug.sethook()', "global 'debug'"),
    ('package.loadlib("libc.so.6", "system")', "global 'package'"),
    ('python.eval("1")', "global 'python'"),
    ('string.dump(print)', "field 'dump'"),
    ('setmetatable({}, {__gc = function() end})', '__gc metamethods are not allowed'),
    ('collectgarbage("stop")', 'is not allowed'),
]


@pytest.mark.parametrize('code, message', FORBIDDEN)
def test_forbidden(runtime, code, message):
    result = runtime.call(code, None)
    assert not result.ok, code
    assert message in result.error, result.error


def test_forbidden_inside_a_job_function(runtime):
    result = runtime.call('function job() os.execute("touch /tmp/hacked") end', 'job', ['j', 'g', 0, 0])
    assert not result.ok and "global 'os'" in result.error


def test_load_accepts_text_but_not_bytecode(runtime):
    assert runtime.call('return load("return 1 + 1")()', None).value == 2
    result = runtime.call('return load("\\27Lua\\84\\0")', None)
    assert result.ok and result.value == [None, "attempt to load a binary chunk (mode is 't')"]
    forced = runtime.call('return load("\\27Lua", "x", "b")', None)
    assert forced.value[1] == "attempt to load a binary chunk (mode is 't')"


def test_loaded_chunk_sees_the_same_sandbox(runtime):
    result = runtime.call('return load("return os == nil and io == nil and debug == nil")()', None)
    assert result.ok and result.value is True


def test_safe_standard_library_is_there(runtime):
    code = ('return string.format("%05.1f", math.pi), table.concat({"a", "b"}, ","), '
            'utf8.char(233), select("#", 1, 2), tostring(pcall(error, "x"))')
    result = runtime.call(code, None)
    assert result.ok and result.value == ['003.1', 'a,b', 'é', 2, 'false']


def test_pcall_still_catches_ordinary_errors(runtime):
    result = runtime.call('local ok, err = pcall(error, "inner", 0) return ok, err', None)
    assert result.value == [False, 'inner']
