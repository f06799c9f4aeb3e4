#!/usr/bin/env python
"""HTTP core cost: our service (memory) beside a bare starlette app (bench/bare_app.py) with the same three
routes, one after the other on this machine, each loaded with wrk (installed with apt-get when missing).
Prints per route req/s, p99 latency, non-2xx count, server CPU µs per request and the ratio ours / bare with
the issue's target beside it (heartbeat >= 0.8x, add_retry >= 0.6x). Runs on a fresh clone after `make install`:
the bare app's starlette (and granian) go into bench/.venv-peers on first use, with the uvicorn, httptools and
uvloop versions ours runs on.

Run: .venv/bin/python bench/http_core.py [--duration 10] [--connections 32] [--threads 2] [--warmup 2]
        [--routes heartbeat,add_retry,add_job] [--server uvicorn|granian] [--compare-servers] [--quick]
--server picks the server of the bare app (default uvicorn: httptools + uvloop, one process, no access log);
--compare-servers runs the bare app on uvicorn and on granian and prints both (ratios against each);
--quick is 2 s runs without warm-up, to check the bench works.
SERVICE_ROOT=<dir> starts <dir>/bin/run.py instead of this checkout's (e.g. `git archive <commit> | tar -x -C dir`).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

ROUTES = {
    'heartbeat': ('GET', '/heartbeat', None, 0.8),
    'add_retry': ('POST', '/v1/retries/add_retry', {'group': 'bench', 'id': 'msg1', 'ttl': 3600000}, 0.6),
    'add_job': ('POST', '/v1/jobs/add_job', {'new_job': {'type': 'bench', 'params': {'n': 1}}}, None),
}


def lua_script(method: str, body) -> str:
    if body is None:
        return f'wrk.method = "{method}"\n'
    text = json.dumps(body).replace('\\', '\\\\').replace('"', '\\"')
    return (f'wrk.method = "{method}"\nwrk.body = "{text}"\n'
            f'wrk.headers["Content-Type"] = "application/json"\n')


def parse_duration_ms(text: str) -> float:
    value, unit = re.match(r'([\d.]+)(us|ms|s|m)', text).groups()
    return float(value) * {'us': 0.001, 'ms': 1, 's': 1000, 'm': 60000}[unit]


def run_wrk(wrk: str, url: str, route: str, args, pid: int, measure: bool = True) -> dict:
    method, path, body, _ = ROUTES[route]
    with tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False) as f:
        f.write(lua_script(method, body))
        script = f.name
    duration = args.duration if measure else args.warmup
    try:
        cpu0 = benchlib.cpu_seconds(pid)
        out = subprocess.run([wrk, f'-t{args.threads}', f'-c{args.connections}', f'-d{duration}s', '--latency',
                              '--timeout', '5s', '-s', script, url + path],
                             capture_output=True, text=True, timeout=duration + 60).stdout
        cpu = benchlib.cpu_seconds(pid) - cpu0
    finally:
        os.unlink(script)
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    requests = int(re.search(r'(\d+) requests in', out).group(1))
    p99 = re.search(r'^\s+99%\s+(\S+)', out, re.M)
    non2xx = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', out)
    errors = re.search(r'Socket errors:(.*)', out)
    return {'rps': rps, 'p99_ms': parse_duration_ms(p99.group(1)) if p99 else None, 'requests': requests,
            'non2xx': int(non2xx.group(1)) if non2xx else 0, 'errors': errors.group(1).strip() if errors else '',
            'cpu_us': cpu * 1e6 / requests if requests else None}


def bench(name: str, url: str, pid: int, wrk: str, args) -> dict:
    results = {}
    for route in args.routes:
        if args.warmup:
            run_wrk(wrk, url, route, args, pid, measure=False)
        r = results[route] = run_wrk(wrk, url, route, args, pid)
        print(f'  {name:<16} {route:<10} {r["rps"]:>10,.0f} req/s  p99 {r["p99_ms"]:>8.2f} ms  '
              f'{r["cpu_us"]:>7.0f} µs CPU/req  non-2xx {r["non2xx"]}'
              f'{"  socket errors: " + r["errors"] if r["errors"] else ""}',
              flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--duration', type=int, default=10, help='seconds of wrk per route (default 10)')
    parser.add_argument('--connections', type=int, default=32)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=2, help='seconds of unmeasured wrk before each route')
    parser.add_argument('--routes', default=','.join(ROUTES))
    parser.add_argument('--server', choices=['uvicorn', 'granian'], default='uvicorn', help='server of the bare app')
    parser.add_argument('--compare-servers', action='store_true', help='bare app on uvicorn and on granian')
    parser.add_argument('--quick', action='store_true', help='2 s per route, no warm-up')
    args = parser.parse_args()
    args.routes = [r for r in args.routes.split(',') if r]
    for r in args.routes:
        if r not in ROUTES:
            parser.error(f'unknown route {r}')
    if args.quick:
        args.duration, args.warmup = 2, 0
    wrk = benchlib.ensure_apt('wrk')
    servers = ['uvicorn', 'granian'] if args.compare_servers else [args.server]
    print(f'wrk -t{args.threads} -c{args.connections} -d{args.duration}s (warm-up {args.warmup}s), '
          f'{os.cpu_count()} cores, one after the other')
    all_results = {}
    with benchlib.our_service('memory') as (url, process):
        all_results['ours'] = bench('ours (memory)', url, process.pid, wrk, args)
    for server in servers:
        with benchlib.asgi_app('bare_app', server) as (url, process):
            all_results[server] = bench(f'bare {server}', url, process.pid, wrk, args)
    print()
    for server in servers:
        print(f'ratio ours / bare starlette on {server}:')
        for route in args.routes:
            ours, bare = all_results['ours'][route], all_results[server][route]
            target = ROUTES[route][3]
            verdict = ''
            if target is not None:
                verdict = f'  target >= {target}x: {"met" if ours["rps"] >= target * bare["rps"] else "NOT met"}'
            print(f'  {route:<10} req/s {benchlib.ratio(ours["rps"], bare["rps"])}  '
                  f'p99 {ours["p99_ms"]:.2f} vs {bare["p99_ms"]:.2f} ms  '
                  f'CPU/req {ours["cpu_us"]:.0f} vs {bare["cpu_us"]:.0f} µs '
                  f'({benchlib.ratio(ours["cpu_us"], bare["cpu_us"])})'
                  f'{verdict}')
    failed = [f'{name} {route}: {r["non2xx"]} non-2xx' for name, routes in all_results.items()
              for route, r in routes.items() if r['non2xx']]
    if failed:  # a run whose requests failed measured errors, not the routes
        sys.exit('; '.join(failed))
    if args.compare_servers:
        print('bare app granian / uvicorn:')
        for route in args.routes:
            g, u = all_results['granian'][route], all_results['uvicorn'][route]
            print(f'  {route:<10} req/s {benchlib.ratio(g["rps"], u["rps"])}  p99 {g["p99_ms"]:.2f} vs '
                  f'{u["p99_ms"]:.2f} ms  CPU/req {g["cpu_us"]:.0f} vs {u["cpu_us"]:.0f} µs')


if __name__ == '__main__':
    main()
