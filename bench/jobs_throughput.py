#!/usr/bin/env python
"""Jobs/s end to end, 1 producer + 4 worker PROCESSES (multiprocessing), add / take / complete, against our
service (bin/run.py in its own process, over HTTP) and the peers the issue compares it with, each started on a
free loopback port and run one after the other on this machine:

  ours        modes single (add_job / start_job_by_type / complete_job), batch (add_jobs of --batch,
              start_jobs_by_type limit --batch, complete_jobs {job_ids, results}; complete_job per job while the
              service answers complete_jobs with 400 UNKNOWN_COMMAND) and queue (seed 002: POST /jobs,
              POST /want_job, PUT /jobs/<id>). A worker that finds nothing sleeps 2 ms (want_job blocks 0.2 s).
  ceiling     bench/ceiling_app.py (raw ASGI on uvicorn, msgspec, a dict and a deque) behind the same routes and
              the same client code: single and batch (memory only).
  redis       reliable queue: LPUSH / BLMOVE (0.1 s) / LREM; batch: one LPUSH of --batch values, a pipeline of
              --batch LMOVE (BLMOVE when the pipeline found nothing), a pipeline of LREM. --store file:
              appendonly yes, appendfsync always. (apt-get install redis-server when missing; redis-py via pip.)
  beanstalkd  put / reserve-with-timeout 1 / delete with a tiny client in this file; batch: the same commands
              pipelined --batch at a time. --store file: -b <dir> -f0 (fsync every write). (apt-get when missing.)

Every job is {type, params} (plus an id for redis and beanstalkd, which have none of their own). Prints, per run,
jobs/s and the server process's CPU (utime + stime from /proc) per job; then the ratios the issue's proof asks:
single ops ours vs ceiling (>= 0.8x, <= 2x CPU), batch ops ours vs redis and beanstalkd single (>= 1.0x,
<= 0.05 ms CPU/job), file batch ours vs redis appendfsync-always single (>= 1.0x). Every run stops by itself
after --jobs jobs or --max-seconds (then it says incomplete).

Run: .venv/bin/python bench/jobs_throughput.py [--peer ours|ceiling|redis|beanstalkd|all|a,b]
        [--store memory|file|both] (--persistence is the same) [--modes single,batch,queue] [--jobs 10000]
        [--batch 100] [--warmup 500] [--rounds 1] [--max-seconds 300] [--quick] [--proof]
--proof is --peer all --store both --modes single,batch (every figure of the issue's jobs proof);
--quick is --jobs 300 --max-seconds 60, to check the bench works. Each measured run follows --warmup jobs of the
same mode on the same server, uncounted (every peer alike). --rounds N (N > 1) starts every peer's server at once
and runs N interleaved rounds (peer after peer, round after round), then uses each figure's median: on a machine
whose speed drifts between runs, every peer meets the same spells. SERVICE_ROOT=<dir> runs <dir>/bin/run.py.
--limit N / --groups N (ours only): each mode on one service without and with set_queue_limits {type: bench,
concurrency: N} (one not reached, e.g. 1000) / a group_key of N groups on every job (fair queues; modes single and
batch), alternately (A-B, B-A, ...: the cleaner's work on the previous run's jobs and the machine's drift weigh on
both alike; --limit: A-B-B-A; --groups: --rounds rounds, at least 2, the first after a warm-up of each); prints
each run, the medians side by side and with / without (the proofs: >= 0.9x; the check must not become the cost).
"""
import argparse
import contextlib
import http.client
import multiprocessing
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
import queue_peers  # noqa: E402

try:
    import msgspec
    dumps, loads = msgspec.json.encode, msgspec.json.decode
except ImportError:  # pragma: no cover
    import json
    dumps, loads = (lambda o: json.dumps(o).encode()), json.loads

WORKERS = 4
QUEUE = 'bench'
GROUPS = 0  # --groups N: every job of ours in one of N fair-queue groups (forked workers inherit it)
PEERS = ('ours', 'ceiling', 'redis', 'beanstalkd')


# ---------------------------------------------------------------------------------------------- HTTP client

class Http:
    """One kept-alive HTTP/1.1 connection (http.client: the lightest Python client, so the server shows)."""

    def __init__(self, url: str):
        host, port = url.split('//', 1)[1].split(':')
        self._conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def call(self, method: str, path: str, body=None, headers=None):
        data = dumps(body) if body is not None else None
        h = {'Content-Type': 'application/json'}
        h.update(headers or {})
        self._conn.request(method, path, data, h)
        r = self._conn.getresponse()
        payload = r.read()
        return r.status, (loads(payload) if payload else None)


def http_producer(url: str, mode: str, jobs: int, batch: int, deadline: float) -> int:
    c, added = Http(url), 0
    if mode == 'batch':
        for start in range(0, jobs, batch):
            if time.time() > deadline:
                break
            new_jobs = [{'type': QUEUE, 'params': i, **({'group_key': f'g{i % GROUPS}'} if GROUPS else {})}
                        for i in range(start, min(jobs, start + batch))]
            status, body = c.call('POST', '/v1/jobs/add_jobs', {'new_jobs': new_jobs})
            assert status == 200, (status, body)
            added += len(body)
    else:
        for i in range(jobs):
            if time.time() > deadline:
                break
            if mode == 'queue':
                status, body = c.call('POST', '/jobs', {'queue': QUEUE, 'params': i})
            else:
                group = {'group_key': f'g{i % GROUPS}'} if GROUPS else {}
                status, body = c.call('POST', '/v1/jobs/add_job', {'new_job': {'type': QUEUE, 'params': i, **group}})
            assert status in (200, 201, 202), (status, body)
            added += 1
    return added


def http_worker(url: str, mode: str, batch: int, finished, deadline: float) -> int:
    c, count, batch_complete, last = Http(url), 0, True, time.time()
    while time.time() < deadline:
        if mode == 'queue':
            status, body = c.call('POST', '/want_job', {'queue': QUEUE}, {'X-Accepted-Block-For': '0.2'})
            taken = [body] if status == 200 else []
        elif mode == 'batch':
            status, body = c.call('POST', '/v1/jobs/start_jobs_by_type', {'type': QUEUE, 'limit': batch})
            assert status == 200, (status, body)
            taken = body or []
        else:
            status, body = c.call('POST', '/v1/jobs/start_job_by_type', {'type': QUEUE})
            assert status in (200, 204), (status, body)
            taken = [body] if status == 200 else []
        if not taken:
            if finished.is_set():
                break
            time.sleep(0.002)
            continue
        if mode == 'batch' and batch_complete:
            status, body = c.call('POST', '/v1/jobs/complete_jobs',
                                  {'job_ids': [j['id'] for j in taken], 'results': [j['params'] for j in taken]})
            if status == 400 and (body or {}).get('code') == 'UNKNOWN_COMMAND':
                batch_complete = False  # the service has no complete_jobs yet: one complete_job per job
            else:
                assert status == 200, (status, body)
                count += len(taken)
                last = time.time()
                continue
        for job in taken:
            if mode == 'queue':
                status, body = c.call('PUT', f'/jobs/{job["id"]}', {'status': 'done', 'result': job['params']})
            else:
                status, body = c.call('POST', '/v1/jobs/complete_job', {'job_id': job['id'], 'result': job['params']})
            assert status in (200, 204), (status, body)
            count += 1
        last = time.time()
    return count, last, (None if batch_complete or mode != 'batch' else 'no complete_jobs: complete_job per job')


# ---------------------------------------------------------------------------------------------- runs

CLIENTS = {'ours': (http_producer, http_worker), 'ceiling': (http_producer, http_worker),
           'redis': (queue_peers.redis_producer, queue_peers.redis_worker),
           'beanstalkd': (queue_peers.beanstalk_producer, queue_peers.beanstalk_worker)}


def _role(target, args, barrier, results, name):
    try:
        barrier.wait(timeout=60)
        count = target(*args)  # a worker returns (count, time of its last completion[, a note])
        count, end, note = (count + (None,))[:3] if isinstance(count, tuple) else (count, time.time(), None)
        results.put((name, count, end, None, note))
    except BaseException as ex:  # noqa: BLE001 -- reported by the parent
        results.put((name, 0, time.time(), repr(ex), None))


def run(peer: str, address, pid: int, mode: str, jobs: int, batch: int, max_seconds: float) -> dict:
    """One producer and WORKERS workers, each its own process; returns jobs/s and the server's CPU per job."""
    producer, worker = CLIENTS[peer]
    ctx = multiprocessing.get_context('fork')
    barrier, finished, results = ctx.Barrier(WORKERS + 2), ctx.Event(), ctx.Queue()
    deadline = time.time() + max_seconds + 5  # counted from here; the barrier takes well under 5 s

    def producer_then_finish(*a):
        try:
            return producer(*a)
        finally:
            finished.set()

    processes = [ctx.Process(target=_role, args=(worker, (address, mode, batch, finished, deadline), barrier,
                                                 results, f'worker{i}'), daemon=True) for i in range(WORKERS)]
    processes.append(ctx.Process(target=_role, args=(producer_then_finish, (address, mode, jobs, batch, deadline),
                                                     barrier, results, 'producer'), daemon=True))
    for p in processes:
        p.start()
    cpu0 = benchlib.cpu_seconds(pid)
    barrier.wait(timeout=60)
    start = time.time()
    outcome = [results.get(timeout=max_seconds + 60) for _ in processes]
    cpu = benchlib.cpu_seconds(pid) - cpu0
    for p in processes:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
    errors = [f'{name}: {error}' for name, _, _, error, _ in outcome if error]
    notes = sorted({note for *_, note in outcome if note})
    added = sum(count for name, count, *_ in outcome if name == 'producer')
    done = sum(count for name, count, *_ in outcome if name != 'producer')
    elapsed = max(end for _, _, end, *_ in outcome) - start  # from the start to the last completion
    return {'peer': peer, 'mode': mode, 'jobs': jobs, 'added': added, 'done': done, 'elapsed': elapsed,
            'rate': done / elapsed if elapsed > 0 else 0, 'cpu_ms': cpu * 1000 / done if done else None,
            'errors': errors, 'notes': notes, 'complete': done == jobs and added == jobs and not errors}


@contextlib.contextmanager
def server(peer: str, store: str):
    if peer == 'ours':
        with benchlib.our_service(store, env={'JOBS_CLEAN_INTERVAL': '1000', 'JOBS_FINISHED_TTL': '1'}) as (url, p):
            yield url, p.pid
    elif peer == 'ceiling':
        with benchlib.asgi_app('ceiling_app', 'uvicorn') as (url, p):
            yield url, p.pid
    elif peer == 'redis':
        with queue_peers.redis_server(store) as (port, p):
            yield port, p.pid
    else:
        with queue_peers.beanstalkd_server(store) as (port, p):
            yield port, p.pid


STORE_NAMES = {('ours', 'memory'): 'memory', ('ours', 'file'): 'file, fsync', ('ceiling', 'memory'): 'memory',
               ('redis', 'memory'): 'no persistence', ('redis', 'file'): 'AOF appendfsync always',
               ('beanstalkd', 'memory'): 'no binlog', ('beanstalkd', 'file'): 'binlog -f0'}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--peer', default='ours', help='ours, ceiling, redis, beanstalkd, all, or a comma list')
    parser.add_argument('--store', '--persistence', dest='store', default='memory', help='memory, file or both')
    parser.add_argument('--modes', '--mode', dest='modes', default=None,
                        help='comma list of single, batch, queue (default: all three for ours, single,batch for peers)')
    parser.add_argument('--jobs', type=int, default=10000)
    parser.add_argument('--batch', type=int, default=100)
    parser.add_argument('--warmup', type=int, default=500, help='jobs run and not counted before each run (0: none)')
    parser.add_argument('--rounds', type=int, default=1,
                        help='N > 1: all servers up at once, N interleaved rounds, medians (a noisy machine)')
    parser.add_argument('--max-seconds', type=float, default=300, help='bound of each run (default 300)')
    parser.add_argument('--quick', action='store_true', help='--jobs 300 --max-seconds 60')
    parser.add_argument('--proof', action='store_true', help='--peer all --store both --modes single,batch')
    parser.add_argument('--limit', type=int, default=None,
                        help='ours: run each mode without and then with a concurrency limit of N (issue 13)')
    parser.add_argument('--groups', type=int, default=0,
                        help='ours: each mode without and with a group_key of N groups on every job, alternately')
    args = parser.parse_args()
    if args.proof:
        args.peer, args.store, args.modes = 'all', 'both', 'single,batch'
    if args.quick:
        args.jobs, args.max_seconds, args.warmup = min(args.jobs, 300), min(args.max_seconds, 60), min(args.warmup, 100)
    peers = PEERS if args.peer == 'all' else [p for p in args.peer.split(',') if p]
    stores = ['memory', 'file'] if args.store == 'both' else [args.store]
    for p in peers:
        if p not in PEERS:
            parser.error(f'unknown peer {p}')
    for s in stores:
        if s not in ('memory', 'file'):
            parser.error(f'unknown store {s}')
    if args.limit and (args.rounds > 1 or args.groups):
        parser.error('--limit runs its own A-B-B-A rounds: not with --rounds or --groups')
    print(f'1 producer + {WORKERS} worker processes, {args.jobs} jobs a run, batch {args.batch}, '
          f'{os.cpu_count()} cores, one run after the other', flush=True)
    results = {}
    for store in stores:
        plan = []  # (peer, its modes) on this store
        for peer in peers:
            if peer == 'ceiling' and store == 'file':
                continue  # the ceiling app keeps nothing on disk
            modes = args.modes.split(',') if args.modes else (
                ['single', 'batch', 'queue'] if peer == 'ours' else ['single', 'batch'])
            modes = [m for m in modes if m != 'queue' or peer == 'ours']
            if modes:
                plan.append((peer, modes))
        if args.rounds > 1 and not args.groups:
            results.update(_interleaved(plan, store, args))
            continue
        for peer, modes in plan:
            with server(peer, store) as (address, pid):
                for mode in modes:
                    if args.limit and peer == 'ours':  # A-B-B-A
                        run_compared(address, pid, store, mode, args, [
                            ('no limit', lambda: set_limit(address, None)),
                            (f'concurrency limit {args.limit}', lambda: set_limit(address, args.limit))], 2, 0)
                        set_limit(address, None)
                    elif args.groups and peer == 'ours' and mode != 'queue':  # seed 002's routes: no group key
                        run_compared(address, pid, store, mode, args, [
                            ('no groups', lambda: set_groups(0)),
                            (f'{args.groups} groups', lambda: set_groups(args.groups))], max(args.rounds, 2),
                            args.warmup)
                        set_groups(0)
                    elif not args.groups or peer != 'ours':
                        results[(peer, store, mode)] = _measure(peer, store, mode, address, pid, args, args.warmup)
    summary(results)


def _measure(peer: str, store: str, mode: str, address, pid: int, args, warmup: int, prefix: str = '',
             suffix: str = '') -> dict:
    """One run, after ``warmup`` uncounted jobs of the same mode (every peer alike: first calls, caches and
    allocations are not the figure); prints its line."""
    if warmup:
        run(peer, address, pid, mode, warmup, args.batch, args.max_seconds)
    r = run(peer, address, pid, mode, args.jobs, args.batch, args.max_seconds)
    note = '' if r['complete'] else (f'  INCOMPLETE: {r["done"]} done of {r["added"]} added '
                                     f'in {r["elapsed"]:.0f} s {"; ".join(r["errors"])}')
    note += ''.join(f'  ({n})' for n in r['notes'])
    cpu = f'{r["cpu_ms"]:7.3f} ms' if r['cpu_ms'] is not None else '    n/a'
    label = f'{mode}' + (f' of {args.batch}' if mode == 'batch' else '')
    print(f'{prefix}{peer:>10} {STORE_NAMES[(peer, store)]:<23} {label:<13} {r["rate"]:>9,.0f} jobs/s   '
          f'server CPU {cpu}/job{"   " + suffix if suffix else ""}{note}', flush=True)
    return r


def _interleaved(plan: list, store: str, args) -> dict:
    """--rounds N: every peer's server up at once, then N rounds of one run per peer and mode, so a slow
    spell of this machine weighs on all of them; each figure is the median of its N runs."""
    runs = {}
    with contextlib.ExitStack() as stack:
        running = [(peer, modes) + tuple(stack.enter_context(server(peer, store))) for peer, modes in plan]
        for number in range(args.rounds):
            for peer, modes, address, pid in running:
                for mode in modes:
                    r = _measure(peer, store, mode, address, pid, args, args.warmup if number == 0 else 0,
                                 f'round {number + 1}: ')
                    runs.setdefault((peer, store, mode), []).append(r)
    medians = {}
    for key, rs in runs.items():
        cpus = [r['cpu_ms'] for r in rs if r['cpu_ms'] is not None]
        medians[key] = {'rate': statistics.median(r['rate'] for r in rs),
                        'cpu_ms': statistics.median(cpus) if cpus else None}
        print(f'median of {len(rs)}: {key[0]:>10} {STORE_NAMES[key[:2]]:<23} {key[2]:<13} '
              f'{medians[key]["rate"]:>9,.0f} jobs/s   server CPU {medians[key]["cpu_ms"] or 0:7.3f} ms/job',
              flush=True)
    return medians


def set_limit(url: str, concurrency):
    status, body = Http(url).call('POST', f'/v1/jobs/{"set" if concurrency else "clear"}_queue_limits',
                                  {'type': QUEUE, **({'concurrency': concurrency} if concurrency else {})})
    assert status == 200, (status, body)


def set_groups(count: int):
    global GROUPS
    GROUPS = count  # read by the producer, which run() forks after this


def run_compared(url: str, pid: int, store: str, mode: str, args, variants: list, rounds: int, warmup: int):
    """One mode under two variants ``[(label, setup), (label, setup)]`` on the same service, alternately (A-B,
    B-A, A-B, ...: the cleaner's work on the previous run's jobs and the machine's drift weigh on both alike);
    prints every run, each variant's medians and the ratio B / A against the target >= 0.9x."""
    runs = {name: [] for name, _ in variants}
    for number in range(rounds):
        for name, setup in (variants if number % 2 == 0 else variants[::-1]):
            setup()  # then each variant's first run follows its uncounted warm-up
            runs[name].append(_measure('ours', store, mode, url, pid, args, warmup if number == 0 else 0,
                                       f'round {number + 1}: ', name))
    rate = {name: statistics.median(r['rate'] for r in rs) for name, rs in runs.items()}
    cpu = {name: statistics.median(r['cpu_ms'] or 0 for r in rs) for name, rs in runs.items()}
    (a, _), (b, _) = variants
    ratio = rate[b] / rate[a] if rate[a] else 0
    print(f'      ours {STORE_NAMES[("ours", store)]} {mode}, medians of {rounds}: {a} {rate[a]:,.0f} jobs/s '
          f'({cpu[a]:.3f} ms CPU/job), {b} {rate[b]:,.0f} jobs/s ({cpu[b]:.3f} ms CPU/job): {b} / {a} = '
          f'{ratio:.2f}x  target >= 0.9x: {"met" if ratio >= 0.9 else "NOT met"}; server CPU/job {b} / {a} = '
          f'{cpu[b] / cpu[a] if cpu[a] else 0:.2f}x', flush=True)


SUMMARY = [  # (text, ours: store mode, the peer: peer store mode, target jobs/s ratio, target CPU ratio)
    ('single ops, memory: ours / ceiling', 'memory single', 'ceiling memory single', 0.8, 2),
    ('batch ops, memory: ours / ceiling batch', 'memory batch', 'ceiling memory batch', None, None),
    ('batch ops, memory: ours batch / redis single', 'memory batch', 'redis memory single', 1.0, None),
    ('single ops, memory: ours / redis single', 'memory single', 'redis memory single', None, None),
    ('batch ops, memory: ours batch / beanstalkd single', 'memory batch', 'beanstalkd memory single', 1.0, None),
    ('single ops, memory: ours / beanstalkd single', 'memory single', 'beanstalkd memory single', None, None),
    ('file: ours batch / redis appendfsync-always single', 'file batch', 'redis file single', 1.0, None),
    ('file: ours batch / beanstalkd binlog -f0 single', 'file batch', 'beanstalkd file single', None, None),
    ('file: ours single / redis appendfsync-always single', 'file single', 'redis file single', None, None)]


def summary(results: dict):
    lines = []
    for text, mine, theirs, target, cpu_target in SUMMARY:
        a, b = results.get(('ours', *mine.split())), results.get(tuple(theirs.split()))
        if not a or not b:
            continue
        rate = a['rate'] / b['rate'] if b['rate'] else 0
        verdict = f'  target >= {target}x: {"met" if rate >= target else "NOT met"}' if target else ''
        cpu = ''
        if a['cpu_ms'] and b['cpu_ms']:
            cpu = f'; CPU/job {a["cpu_ms"]:.3f} vs {b["cpu_ms"]:.3f} ms ({a["cpu_ms"] / b["cpu_ms"]:.2f}x)'
            if cpu_target:
                cpu += f' target <= {cpu_target}x: {"met" if a["cpu_ms"] <= cpu_target * b["cpu_ms"] else "NOT met"}'
        lines.append(f'  {text:<58} {rate:5.2f}x{verdict}{cpu}')
    batch = results.get(('ours', 'memory', 'batch'))
    if batch and batch['cpu_ms'] is not None:
        lines.append(f'  {"batch ops, memory: ours server CPU per job":<58} {batch["cpu_ms"]:.3f} ms  '
                     f'target <= 0.05 ms: {"met" if batch["cpu_ms"] <= 0.05 else "NOT met"}')
    if lines:
        print('\nratios (jobs/s):')
        print('\n'.join(lines))


if __name__ == '__main__':
    main()
