"""Lua call latency: a published function through the real HTTP function endpoint of bin/run.py (its sandbox
process pool), and the same call in this process two ways: a SandboxCall on a thread of its own per call (how
calls ran before the pool: the "before" figure) and LuaRuntime.call (the pool, without HTTP). Prints p50/p99,
calls/s and CPU per call of the service and of its sandbox processes.

    .venv/bin/python bench/lua_calls.py [--calls 2000] [--threads 4] [--max-seconds 60] [--quick]

SERVICE_ROOT=<dir> (see bench/README.md) measures another checkout's service over HTTP, e.g. the commit before
the pool: `git archive 7b5a7eb | tar -x -C /tmp/sb && SERVICE_ROOT=/tmp/sb .venv/bin/python bench/lua_calls.py`.
"""
import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from benchlib import free_port, our_service  # noqa: E402
from service_background.cron.lua_runtime import LuaRequestContext, LuaRuntime  # noqa: E402
from service_background.cron.lua_runtime.sandbox_call import SandboxCall  # noqa: E402

BODY = '''function Bench()
  local json = require("json")
  local t = {method = method(), n = 0}
  for i = 1, 100 do t.n = t.n + i end
  print(json.encode(t))
end'''
CONTEXT = LuaRequestContext(method='GET', headers={'Accept': '*/*'})


def _tick_seconds(pid: int, own: bool = True, reaped: bool = False) -> float:
    """utime + stime (own) and cutime + cstime (children already waited for) of a process, from /proc."""
    try:
        with open(f'/proc/{pid}/stat') as stat:
            fields = stat.read().rsplit(')', 1)[1].split()
    except OSError:
        return 0.0
    ticks = (int(fields[11]) + int(fields[12]) if own else 0) + (int(fields[13]) + int(fields[14]) if reaped else 0)
    return ticks / os.sysconf('SC_CLK_TCK')


def _children(pid: int) -> list:
    found = []
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as stat:
                    if stat.read().rsplit(')', 1)[1].split()[1] == str(pid):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def cpu_split(pid: int) -> tuple:
    """(CPU s of the process itself, CPU s of its children, live and reaped)."""
    children = sum(_tick_seconds(c) for c in _children(pid)) + _tick_seconds(pid, own=False, reaped=True)
    return _tick_seconds(pid), children


def settle(pid: int, max_seconds: float = 15.0) -> None:
    """Waits until the process and its children stop using CPU (sandbox processes starting), at most max_seconds."""
    deadline = time.monotonic() + max_seconds
    last = sum(cpu_split(pid))
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(cpu_split(pid))
        if now - last < 0.02:
            return
        last = now


def measure(call, calls: int, threads: int, max_seconds: float, pid: int) -> dict:
    """Sequential latency over `calls` calls, then calls/s over `calls` calls from `threads` threads."""
    for _ in range(min(50, calls)):
        call()  # warm up
    settle(pid)
    latencies = []
    own0, kids0 = cpu_split(pid)
    stop_at = time.monotonic() + max_seconds / 2
    for _ in range(calls):
        started = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - started) * 1000.0)
        if time.monotonic() > stop_at:
            break
    own1, kids1 = cpu_split(pid)
    latencies.sort()
    done = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + max_seconds / 2

    def worker(_):
        while time.monotonic() < stop_at:
            with lock:
                if done[0] >= calls:
                    return
                done[0] += 1
            call()

    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    elapsed = time.monotonic() - started
    n = len(latencies)
    return {'p50': statistics.median(latencies), 'p99': latencies[min(n - 1, int(n * 0.99))], 'n': n,
            'per_s': done[0] / elapsed, 'own_ms': (own1 - own0) * 1000.0 / n, 'kids_ms': (kids1 - kids0) * 1000.0 / n}


def in_thread_call() -> None:
    """One call as the runtime made it before the pool: a fresh state on a thread, joined by the caller."""
    call = SandboxCall(BODY, 'Bench', (), CONTEXT, 5.0, 64, True, None, 10000, True)
    worker = threading.Thread(target=call.execute, name='lua-call', daemon=True)
    worker.start()
    worker.join(7.0)


def http_figures(args) -> dict:
    func_port = free_port()
    with our_service('memory', env={'HTTP_FUNC_LISTEN': str(func_port)}) as (url, process):
        group = f'bench{os.getpid()}'
        requests.post(f'{url}/v1/register/group', json={'group_name': group}, timeout=10).raise_for_status()
        requests.post(f'{url}/v1/add/func', json={'group_name': group, 'name': 'Bench', 'lua_body': BODY},
                      timeout=10).raise_for_status()
        local = threading.local()
        target = f'http://127.0.0.1:{func_port}/{group}/Bench'

        def call():
            session = getattr(local, 'session', None) or requests.Session()
            local.session = session
            r = session.get(target, timeout=30)
            if r.status_code != 200:
                raise RuntimeError(f'{r.status_code} {r.text[:200]}')

        return measure(call, args.calls, args.threads, args.max_seconds, process.pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--calls', type=int, default=2000)
    parser.add_argument('--threads', type=int, default=4)
    parser.add_argument('--max-seconds', type=float, default=60.0)
    parser.add_argument('--quick', action='store_true', help='200 calls, 10 s a phase: proves the bench works')
    args = parser.parse_args()
    if args.quick:
        args.calls, args.max_seconds = 200, 20.0
    rows = [('in-process, thread per call (before)',
             measure(in_thread_call, args.calls, args.threads, args.max_seconds, os.getpid()))]
    runtime = LuaRuntime(timeout_s=5, processes=args.threads, warm_processes=args.threads)
    runtime.open()
    try:
        rows.append(('in-process, sandbox process pool (after)',
                     measure(lambda: runtime.call(BODY, 'Bench', (), CONTEXT, chunk_fallback=True), args.calls,
                             args.threads, args.max_seconds, os.getpid())))
    finally:
        runtime.close()
    where = 'SERVICE_ROOT' if os.environ.get('SERVICE_ROOT') else 'this checkout'
    rows.append((f'HTTP function endpoint ({where})', http_figures(args)))
    print(f'{"path":44} {"calls":>6} {"p50 ms":>8} {"p99 ms":>8} {"calls/s":>8} {"CPU ms/call":>12} '
          f'{"of it children":>14}')
    for name, row in rows:
        print(f'{name:44} {row["n"]:6d} {row["p50"]:8.2f} {row["p99"]:8.2f} {row["per_s"]:8.0f} '
              f'{row["own_ms"] + row["kids_ms"]:12.3f} {row["kids_ms"]:14.3f}')
    before, after = rows[0][1], rows[1][1]
    print(f'pool / thread (in-process): p50 x{after["p50"] / before["p50"]:.2f}, '
          f'p99 x{after["p99"] / before["p99"]:.2f}, calls/s x{after["per_s"] / before["per_s"]:.2f}')
    print(f'({args.threads} threads for calls/s; CPU per call from the sequential phase: the service or this process '
          f'and its sandbox processes, live and reaped)')


if __name__ == '__main__':
    main()
