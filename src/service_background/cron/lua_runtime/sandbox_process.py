"""The entry point of one Lua sandbox process (``python -m ...sandbox_process PARENT_PID HEADROOM_MB``):
it runs calls one at a time from its stdin and answers on its stdout."""
# It runs under a data-size rlimit and a CPU rlimit per call, and dies with the service
# (PR_SET_PDEATHSIG, and EOF on stdin between calls).
import ctypes
import os
import resource
import signal
import sys
import time
from typing import Any

from service_background.common.clients.outbound import OutboundDenied
from service_background.cron.lua_runtime.frames import read_blocking, write_blocking
from service_background.cron.lua_runtime.messages import context_from_wire, result_to_wire
from service_background.cron.lua_runtime.result import LuaResult
from service_background.cron.lua_runtime.sandbox_call import SandboxCall

PR_SET_PDEATHSIG = 1
RECYCLE_GROWTH_KB = 64 * 1024  # a process whose RSS grew by more than this after a call is replaced


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith('linux'):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        sys.exit(0)  # nothing is open yet: a plain exit


def _status_kb(field: str) -> int:
    try:
        with open('/proc/self/status') as status:
            for line in status:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _limit_data(headroom_mb: int) -> None:
    """What the process holds now, plus the headroom: past it an allocation fails (MemoryError)."""
    limit = (_status_kb('VmData') * 1024) + headroom_mb * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    except (ValueError, OSError):
        pass


def _limit_cpu(seconds: float) -> None:
    """SIGXCPU (which ends the process) once this call used `seconds` of CPU: a backstop for a service too
    busy to kill it. Only the soft limit moves, so later calls can raise it again."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + 1
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    except (ValueError, OSError):
        pass


class _ServiceResolver:
    """The redis module's outbound check, answered by the service (whose outbound policy rules)."""

    def __init__(self, requests, replies):
        self._requests = requests
        self._replies = replies

    def resolve(self, host: str, port: int) -> str:
        write_blocking(self._replies, {'op': 'resolve', 'host': host, 'port': port})
        answer = read_blocking(self._requests) or {}
        if answer.get('address'):
            return answer['address']
        if answer.get('denied'):
            raise OutboundDenied(answer['denied'])
        raise OSError(answer.get('error') or 'the address could not be resolved')


def _run(request: dict, resolver: _ServiceResolver) -> Any:
    hosts = request.get('redis_allowed_hosts')
    call = SandboxCall(request['source'], request.get('function'), request.get('args') or [],
                       context_from_wire(request.get('context')), float(request['timeout_s']),
                       int(request['max_memory_mb']), bool(request['redis_allowed']),
                       set(hosts) if hosts is not None else None, int(request['hook_instructions']),
                       bool(request.get('chunk_fallback')), policy=resolver)
    try:
        result = call.execute()
    except MemoryError:
        result = LuaResult(ok=False, error=f'memory limit exceeded ({request["max_memory_mb"]} MB)')
    except Exception as err:  # a bug of ours, not of the Lua code: still an answer
        result = LuaResult(ok=False, error=f'lua runtime failure: {type(err).__name__}: {err}')
    return result_to_wire(result, int(request['max_reply_bytes']))


def main(argv) -> int:
    parent_pid, headroom_mb = int(argv[1]), int(argv[2])
    _die_with_parent(parent_pid)
    # The protocol keeps its own descriptors; anything printed goes to stderr, not into a frame.
    requests = os.fdopen(os.dup(0), 'rb', buffering=1 << 16)
    replies = os.fdopen(os.dup(1), 'wb', buffering=1 << 16)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    resolver = _ServiceResolver(requests, replies)
    _limit_data(headroom_mb)
    baseline_kb = _status_kb('VmRSS')
    write_blocking(replies, {'op': 'ready', 'pid': os.getpid()})
    while True:
        request = read_blocking(requests)
        if request is None or request.get('op') != 'call':
            return 0
        _limit_cpu(float(request['cpu_s']))
        started = time.monotonic()
        reply = _run(request, resolver)
        reply.update(op='result', recycle=_status_kb('VmRSS') - baseline_kb > RECYCLE_GROWTH_KB,
                     wall_ms=(time.monotonic() - started) * 1000.0)
        try:
            write_blocking(replies, reply)
        except MemoryError:
            write_blocking(replies, {'op': 'result', 'ok': False, 'error': 'the reply did not fit in memory',
                                     'recycle': True})


if __name__ == '__main__':
    sys.exit(main(sys.argv))
