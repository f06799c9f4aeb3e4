#!/usr/bin/env python
"""Cost of one take (and of a take of B) with 1k, 100k and 1M jobs queued, and RSS per 1M queued jobs: in-process
on the jobs memory (and file) persistence, and with --http over HTTP against the service (bin/run.py). The take
pops a per-type heap: the 1M figure should stay within 1.5x of the 1k one, also with every job in a fair-queue group.

Jobs: 4 types, 4 priorities, small params; --groups N (or a comma list, e.g. 0,10000: each in turn) gives job i
the group_key g<i % N> (so 1k jobs in 10,000 groups are 1,000 groups of one). --batch B also times a take of B
(take_many; over HTTP start_jobs_by_type limit B). Every size is filled first (one store, or one service, per
size, all up at once), then the sizes take turns by blocks of calls (A-B, B-A, ...: a busy spell of this shared
machine weighs on every size alike) and each figure is the median of its blocks' mean time per call: the CPU
time of what does the take (in-process this thread's, over HTTP every thread of the service's process, to the
nanosecond from /proc/<pid>/task/*/schedstat), the verdict's figure, and the wall time (for reference: on a
busy 2-core machine it also holds other processes' turns, and the file store's fsync). Every
taken job goes back untimed so each take sees the same queue size: in-process released (it keeps its turn);
over HTTP completed and replaced by a new job of the same type, priority and group. Every timed loop stops after
--takes takes per size or --max-seconds; a fill that would not fit in half the available memory is refused.
Run: .venv/bin/python bench/jobs_take_scaling.py [--takes N] [--sizes 1000,100000,1000000] [--groups N[,M]]
        [--batch 100] [--stores memory,file] [--http] [--http-takes 2000] [--blocks 20] [--max-seconds 120]
        [--proof]
--proof is --sizes 1000,1000000 --groups 0,10000 --batch 100 --stores memory,file --http (the issue's take-cost
proof, with the ungrouped ratio for reference).
"""
import argparse
import contextlib
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import benchlib  # noqa: E402
from jobs_throughput import Http  # noqa: E402
from service_background.common.data import clock  # noqa: E402
from service_background.jobs.data.version1 import JobV1  # noqa: E402
from service_background.jobs.data.version1 import job_transitions as rules  # noqa: E402
from service_background.jobs.persistence import JobsMemoryPersistence  # noqa: E402
from service_background.jobs.persistence.jobs_file_persistence import JobsFilePersistence  # noqa: E402

FILL_CHUNK = 1000  # jobs per add_jobs call (HTTP) and per journal group (in-process file store)
MB_PER_1M = {False: 600, True: 900}  # in-process RSS per 1M queued jobs (grouped or not), with a margin
SERVICE_FACTOR = 2.0  # the service's objects and its JSON on top of the store's


def rss_mb(pid: str = 'self') -> float:
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def check_memory(jobs: int, groups: int, factor: float = 1.0):
    """Refuses a fill that would take more than half of the memory available now."""
    with open('/proc/meminfo') as f:
        available = next(int(line.split()[1]) for line in f if line.startswith('MemAvailable:')) / 1024
    need = MB_PER_1M[bool(groups)] * factor * jobs / 1_000_000
    if need > available / 2:
        sys.exit(f'{jobs:,} jobs need about {need:,.0f} MB: more than half of the {available:,.0f} MB available')


def new_job(i: int, groups: int) -> dict:
    return {'type': f'type{i % 4}', 'params': {'n': i}, 'priority': i % 4, 'max_retries': 10 ** 9,
            **({'group_key': f'g{i % groups}'} if groups else {})}


def fill(store: JobsMemoryPersistence, size: int, groups: int):
    now = clock.now()
    for chunk in range(0, size, FILL_CHUNK):
        with store.batch():  # file: one journal write and fsync per chunk
            for i in range(chunk, min(size, chunk + FILL_CHUNK)):
                created = clock.add_ms(now, -size + i)
                # create() copies like every write
                store.create(None, JobV1(id=str(uuid.uuid4()), created=created, not_before=created,
                                         **new_job(i, groups)))


def alternated(sides: dict, takes: int, blocks: int, batch: int, max_seconds: float, cpu) -> dict:
    """``sides``: size -> (take(i) -> jobs, put_back(jobs)). A few untimed calls on each, then blocks of calls
    on each size in turn (A-B, B-A, ...); per size {cpu, wall: median of its blocks' mean seconds per call, calls}.
    ``cpu(size)``: CPU seconds so far of what serves the take (its wall time also counts other processes'
    turns on a busy machine)."""
    block = max(1, takes // blocks)
    for take, put_back in sides.values():
        for i in range(min(200, block)):  # untimed: caches, first calls
            put_back(take(i))
    spent = {size: ([], []) for size in sides}
    order, number, deadline = list(sides), 0, time.time() + max_seconds
    while number < blocks and (number == 0 or time.time() < deadline):
        for size in (order if number % 2 == 0 else order[::-1]):
            take, put_back = sides[size]
            cpu_total = wall_total = 0.0
            for i in range(block):
                cpu0, start = cpu(size), time.perf_counter()
                jobs = take(i)
                wall_total += time.perf_counter() - start
                cpu_total += cpu(size) - cpu0
                assert len(jobs) == batch, f'took {len(jobs)} of {batch}'
                put_back(jobs)
            spent[size][0].append(cpu_total / block)
            spent[size][1].append(wall_total / block)
        number += 1
    return {size: {'cpu': statistics.median(c), 'wall': statistics.median(w), 'calls': len(c) * block}
            for size, (c, w) in spent.items()}


def service_cpu(pid: int) -> float:
    """CPU seconds of every thread of the process, to the nanosecond (schedstat; /proc/<pid>/stat counts ticks)."""
    total = 0
    for task in os.listdir(f'/proc/{pid}/task'):
        with contextlib.suppress(OSError), open(f'/proc/{pid}/task/{task}/schedstat') as f:
            total += int(f.read().split()[0])
    return total / 1e9


def in_process(sizes: list, groups: int, store_kind: str, args) -> dict:
    """One store per size, all filled, then the takes timed by turns."""
    check_memory(sum(sizes), groups)
    now = clock.now()
    with contextlib.ExitStack() as stack:
        stores = {}
        for size in sizes:
            gc.collect()
            before, start = rss_mb(), time.perf_counter()
            if store_kind == 'file':
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix='bench-take-'))
                store = JobsFilePersistence(os.path.join(folder, 'jobs.json'))
            else:
                store = JobsMemoryPersistence()
            store.open(None)
            stack.callback(store.close, None)
            fill(store, size, groups)
            fill_time = time.perf_counter() - start
            gc.collect()
            grown = rss_mb() - before
            print(f'  {size:>9,} queued: RSS +{grown:7.1f} MB (= {grown * 1_000_000 / size:5.0f} MB per 1M jobs), '
                  f'filled in {fill_time:.1f} s', flush=True)
            stores[size] = store

        def sides(take):
            def put_back_of(store):
                def put_back(jobs):
                    with store.batch():
                        for job in jobs:
                            store.modify(None, job.id, lambda j: rules.release(j, now, None, None))
                return put_back
            return {size: ((lambda i, s=store: take(s, i)), put_back_of(store)) for size, store in stores.items()}
        def cpu(size):  # this thread's: the store's work in-process
            return time.thread_time()
        out = {'take': alternated(sides(lambda s, i: [s.take(None, f'type{i % 4}', now, 60000, 60000)]),
                                  args.takes, args.blocks, 1, args.max_seconds, cpu)}
        if args.batch:
            out['batch'] = alternated(sides(lambda s, i: s.take_many(None, f'type{i % 4}', now, 60000, 60000,
                                                                    args.batch)),
                                      max(1, args.takes // 10), args.blocks, args.batch, args.max_seconds, cpu)
    return report(sizes, out, args, 'thread')


def over_http(sizes: list, groups: int, store_kind: str, args) -> dict:
    """One service per size, all filled, then the takes timed by turns (client-side time)."""
    check_memory(sum(sizes), groups, SERVICE_FACTOR)
    extra = [0]  # replacements' numbers, past every size
    with contextlib.ExitStack() as stack:
        sides_of, pids, clients, urls = {}, {}, {}, {}
        for size in sizes:
            url, p = stack.enter_context(benchlib.our_service(
                store_kind, env={'JOBS_CLEAN_INTERVAL': '1000', 'JOBS_FINISHED_TTL': '1'}))
            clients[size], base, start = Http(url), rss_mb(p.pid), time.perf_counter()

            def call(command: str, body: dict, size=size):
                status, reply = clients[size].call('POST', f'/v1/jobs/{command}', body)
                assert status in (200, 204), (command, status, reply)
                return reply

            def put_back(jobs, call=call):
                call('complete_jobs', {'job_ids': [j['id'] for j in jobs], 'results': [None] * len(jobs)})
                replacements = []
                for j in jobs:
                    extra[0] += 1
                    replacements.append({**new_job(10 ** 9 + extra[0], 0), 'type': j['type'],
                                         'priority': j['priority'],
                                         **({'group_key': j['group_key']} if j.get('group_key') else {})})
                call('add_jobs', {'new_jobs': replacements})
            for chunk in range(0, size, FILL_CHUNK):
                call('add_jobs', {'new_jobs': [new_job(i, groups)
                                               for i in range(chunk, min(size, chunk + FILL_CHUNK))]})
            print(f'  {size:>9,} queued: service RSS {rss_mb(p.pid):7.1f} MB (+{rss_mb(p.pid) - base:.0f}), '
                  f'filled in {time.perf_counter() - start:.1f} s', flush=True)
            sides_of[size] = (call, put_back)
            pids[size] = p.pid
            urls[size] = url
        for size, url in urls.items():  # a new connection: the service closed one idle through the other fills
            clients[size] = Http(url)

        def one(i, call):
            return [call('start_job_by_type', {'type': f'type{i % 4}'})]

        def many(i, call):
            return call('start_jobs_by_type', {'type': f'type{i % 4}', 'limit': args.batch})

        def sides(take):
            return {size: ((lambda i, call=call: take(i, call)), put_back)
                    for size, (call, put_back) in sides_of.items()}
        def cpu(size):  # the service's
            return service_cpu(pids[size])
        out = {'take': alternated(sides(one), args.http_takes, args.blocks, 1, args.max_seconds, cpu)}
        if args.batch:
            out['batch'] = alternated(sides(many), max(1, args.http_takes // 10), args.blocks, args.batch,
                                      args.max_seconds, cpu)
    return report(sizes, out, args, 'service')


def report(sizes: list, out: dict, args, whose: str) -> dict:
    for size in sizes:
        print(f'  {size:>9,} queued: ' + ', '.join(
            f'{_name(kind, args)} {by_size[size]["cpu"] * 1e6:8.1f} us {whose} CPU ({by_size[size]["wall"] * 1e6:.1f} '
            f'us wall, {by_size[size]["calls"]} calls)' for kind, by_size in out.items()), flush=True)
    return {size: {kind: by_size[size] for kind, by_size in out.items()} for size in sizes}


def _name(kind: str, args) -> str:
    return 'take' if kind == 'take' else f'take of {args.batch}'


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--takes', type=int, default=20000, help='takes per size in-process (takes of B: a tenth)')
    parser.add_argument('--sizes', default='1000,100000,1000000')
    parser.add_argument('--groups', default='0', help='a group_key on every job, of N groups (a comma list: each)')
    parser.add_argument('--batch', type=int, default=0, help='also time take_many / start_jobs_by_type of B')
    parser.add_argument('--stores', default='memory', help='memory, file or memory,file')
    parser.add_argument('--http', action='store_true', help='also over HTTP against the service (same stores)')
    parser.add_argument('--http-takes', type=int, default=2000, help='takes per size over HTTP (default 2000)')
    parser.add_argument('--blocks', type=int, default=20, help='blocks per size the takes are split into')
    parser.add_argument('--max-seconds', type=float, default=120, help='bound of each timed loop')
    parser.add_argument('--proof', action='store_true',
                        help='--sizes 1000,1000000 --groups 0,10000 --batch 100 --stores memory,file --http')
    args = parser.parse_args()
    if args.proof:
        args.sizes, args.groups, args.batch, args.http = '1000,1000000', '0,10000', 100, True
        args.stores = 'memory,file'
    sizes = sorted(int(s) for s in args.sizes.split(','))
    stores = [s for s in args.stores.split(',') if s]
    if any(s not in ('memory', 'file') for s in stores):
        parser.error('--stores: memory, file or memory,file')
    ratios = []
    for groups in [int(g) for g in args.groups.split(',')]:
        in_groups = f' in {groups:,} groups' if groups else ', no groups'
        for store in stores:
            runs = [('in-process', in_process)] + ([('HTTP', over_http)] if args.http else [])
            for where, measure in runs:
                print(f'{where} {store} store{in_groups} (load {os.getloadavg()[0]:.1f}):', flush=True)
                results = measure(sizes, groups, store, args)
                ratios += [(f'{where} {store} {_name(k, args)}{in_groups}', results[sizes[0]][k],
                            results[sizes[-1]][k]) for k in results[sizes[0]]]
    print(f'\ntake cost {sizes[-1]:,} / {sizes[0]:,} queued, CPU (goal: <= 1.5x; wall time for reference):')
    for text, small, large in ratios:
        ratio = large['cpu'] / small['cpu'] if small['cpu'] else float('inf')
        print(f'  {text:<52} {ratio:5.2f}x  {"met" if ratio <= 1.5 else "NOT met"}   '
              f'(wall {large["wall"] / small["wall"]:.2f}x)')


if __name__ == '__main__':
    main()
