#!/usr/bin/env python
"""The whole path of a job system, ours against the workers users would otherwise pick: producers add no-op
jobs, workers run them. Each system runs on its own fresh broker on 127.0.0.1 (redis-server for the peers; our
service, bin/run.py, on the memory or the default file store), with two worker processes where it has the notion:

  ours-memory / ours-file  the worker CLI (service-background-worker) at its defaults, one process
  ours-best                memory store, two worker CLI processes
  ours-raw                 a raw batch client: start_jobs_by_type limit 500, one complete_jobs per batch
  ours-linger              as ours-memory, its producer adding by enqueue_soon (the client's opt-in batching)
  sidekiq 2 x 10 threads, bullmq 2 node processes x concurrency 50, huey 2 processes, dramatiq 2 x 8 threads,
  celery 2 x solo pool, arq 2 processes, rq 2 SimpleWorkers

Per system: drain (--jobs jobs enqueued beforehand, then drained: worker start to the last handler run; median
of --rounds), CPU ms per job of every process (broker + workers, + the producer in the steady state; /proc
utime+stime of each process tree, first to last handler run), steady state (one producer adding --steady-jobs
single adds with its own client, ours with JobsAsyncClientV1.enqueue, while the workers run), pickup latency
p50/p99 at --latency-rate jobs/s (enqueue to handler start, stamped in the job), and ratios ours / peers.
Every handler sends one UDP datagram to the bench (bench/worker_peers/probe.py): the same probe for all.
Peers are installed on first use into bench/.worker-peers/ (bench/worker_peers/peers_setup.py).

Run: .venv/bin/python bench/worker_peers.py [--jobs 20000] [--rounds 3] [--steady-jobs N] [--latency-rate 200]
        [--latency-seconds 5] [--max-seconds 300] [--systems ours-memory,sidekiq,...] [--quick]
"""
import argparse
import os
import signal
import statistics
import sys
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, 'worker_peers'))
import peers_setup  # noqa: E402
import probe  # noqa: E402
import systems  # noqa: E402
from phases import Drain, Processes, Runner, Steady  # noqa: E402
from systems import BY_NAME, SYSTEMS  # noqa: E402

import benchlib  # noqa: E402
import queue_peers  # noqa: E402

PEERS = [s.name for s in SYSTEMS if not s.ours]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--jobs', type=int, default=20000, help='jobs per drain (20000)')
    parser.add_argument('--rounds', type=int, default=3, help='drains per system; the median is shown (3)')
    parser.add_argument('--steady-jobs', type=int, default=0, help='single adds in the steady state (--jobs / 2)')
    parser.add_argument('--latency-rate', type=float, default=200.0, help='jobs/s of the pickup latency (200)')
    parser.add_argument('--latency-seconds', type=float, default=5.0, help='seconds of paced adds (5)')
    parser.add_argument('--max-seconds', type=float, default=300.0, help='a wait that stalls gives up after (300)')
    parser.add_argument('--best', default=None, metavar='OPTIONS',
                        help='worker CLI options of ours-best, e.g. "--processes 2 --concurrency 32" (default: '
                             '--processes 2 where the CLI has it, else two CLI processes at defaults)')
    parser.add_argument('--systems', default=','.join(s.name for s in SYSTEMS),
                        help='comma separated, of: ' + ', '.join(s.name for s in SYSTEMS))
    parser.add_argument('--quick', action='store_true', help='--jobs 1000 --rounds 1 --latency-seconds 1: '
                                                             'proves it works, not a figure')
    args = parser.parse_args()
    if args.quick:
        args.jobs, args.rounds, args.latency_seconds, args.max_seconds = 1000, 1, 1.0, min(args.max_seconds, 60)
    args.steady_jobs = args.steady_jobs or max(1, args.jobs // 2)
    args.systems = benchlib.systems_arg(parser, args.systems, BY_NAME)
    return args


class broker_for:
    """A fresh broker for one system: redis-server (no persistence) or our service on a store."""

    def __init__(self, system):
        self._manager = (queue_peers.redis_server('memory') if system.broker == 'redis'
                         else benchlib.our_service(system.broker))
        self._redis = system.broker == 'redis'

    def __enter__(self):
        first, process = self._manager.__enter__()
        return ({'port': first} if self._redis else {'url': first}), process

    def __exit__(self, *exc):
        return self._manager.__exit__(*exc)


def run_system(system, runner: Runner, args) -> tuple:
    drains, steady = [], Steady()
    with broker_for(system) as (ctx, broker):
        for _ in range(args.rounds):
            drains.append(runner.drain(system, ctx, broker, args.jobs))
            if drains[-1].note:
                break
        latency_jobs = max(1, int(args.latency_rate * args.latency_seconds))
        steady = runner.steady(system, ctx, broker, args.steady_jobs, args.latency_rate, latency_jobs)
    good = [d for d in drains if not d.note] or drains
    median = {key: statistics.median(getattr(d, key) for d in good)
              for key in ('rate', 'warm_rate', 'cpu_ms', 'broker_ms', 'workers_ms')}
    drain = Drain(**median, done=min(d.done for d in good), note='; '.join(d.note for d in drains if d.note))
    return drain, steady


def fmt(value: float, digits: int = 0, measured: bool = False) -> str:
    """n/a for a figure not measured (0), unless ``measured``: a CPU time below the 10 ms tick shows 0.000."""
    return f'{value:,.{digits}f}' if value or measured else 'n/a'


def print_row(name: str, drain: Drain, steady: Steady):
    print(f'{name:<12} {fmt(drain.rate):>9} {fmt(drain.warm_rate):>9} {fmt(drain.cpu_ms, 3, drain.rate):>7} '
          f'{fmt(steady.rate):>9} {fmt(steady.adds):>8} {fmt(steady.cpu_ms, 3, steady.rate):>7} '
          f'{fmt(steady.p50, 1):>6} / {fmt(steady.p99, 1):<6}', flush=True)
    for note in (drain.note, steady.note):
        if note:
            print('    ! ' + note.replace('\n', '\n      '), flush=True)


def print_ratios(results: dict):
    peers = {n: r for n, r in results.items() if n in PEERS and r[0].rate}
    if not peers:
        return
    fastest = max(peers, key=lambda n: peers[n][0].rate)
    steadiest = max(peers, key=lambda n: peers[n][1].rate)
    fd, fs = peers[fastest][0], peers[steadiest][1]
    print(f'\nratios ours / peer (fastest drain: {fastest}, fastest steady state: {steadiest})')
    print(f'{"":<12} {"drain/fastest":>13} {"CPU/fastest":>11} {"steady/fastest":>14}   drain / each peer')
    for name in [n for n in results if BY_NAME[n].ours]:
        drain, steady = results[name]
        each = '  '.join(f'{p} {benchlib.ratio(drain.rate, peers[p][0].rate).strip()}' for p in peers)
        print(f'{name:<12} {benchlib.ratio(drain.rate, fd.rate):>13} {benchlib.ratio(drain.cpu_ms, fd.cpu_ms):>11} '
              f'{benchlib.ratio(steady.rate, fs.rate):>14}   {each}')
    checks = []
    if 'ours-file' in results:
        checks.append(('drain, CLI defaults, file store >= 1.0x fastest peer', results['ours-file'][0].rate,
                       fd.rate, 1.0))
        checks.append(('CPU/job, file store <= fastest peer\'s', fd.cpu_ms, results['ours-file'][0].cpu_ms, 1.0))
    if 'ours-memory' in results:
        memory_drain, memory_steady = results['ours-memory']
        checks.append(('drain, CLI defaults, memory store >= 1.5x fastest peer', memory_drain.rate, fd.rate, 1.5))
        checks.append(('CPU/job, memory store <= fastest peer\'s', fd.cpu_ms, memory_drain.cpu_ms, 1.0))
        checks.append(('steady state, memory store >= 1.0x fastest peer', memory_steady.rate, fs.rate, 1.0))
        checks.append(('pickup p99, memory store <= 5 ms', 5.0, memory_steady.p99, 1.0))
    if 'ours-linger' in results:
        checks.append(('steady state, producer with opt-in linger >= 1.0x fastest', results['ours-linger'][1].rate,
                       fs.rate, 1.0))
    if 'ours-best' in results and 'ours-raw' in results:
        checks.append(('best setting >= 0.5x raw batch client', results['ours-best'][0].rate,
                       results['ours-raw'][0].rate, 0.5))
    print('\ntargets (issue 23)')
    for what, a, b, at_least in checks:
        verdict = 'n/a' if not a or not b else ('met' if a / b >= at_least else 'NOT met')
        print(f'  {what:<58} {verdict}')


def interrupt(*_):
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: every `finally` stops what it started


def print_breakdown(results: dict):
    print('\nCPU ms per job by process     drain: broker  workers   steady: broker  workers  producer')
    for name, (drain, steady) in results.items():
        d, s = drain.rate, steady.rate
        print(f'  {name:<27} {fmt(drain.broker_ms, 3, d):>13} {fmt(drain.workers_ms, 3, d):>8} '
              f'{fmt(steady.broker_ms, 3, s):>16} {fmt(steady.workers_ms, 3, s):>8} '
              f'{fmt(steady.producer_ms, 3, s):>9}')


def main():
    args = parse_args()
    peers = [s for s in args.systems if not BY_NAME[s].ours]
    peers_setup.install(peers)
    if args.best is not None:
        systems.best_options = args.best.split()
    elif 'ours-best' in args.systems and systems.cli_has('--processes'):
        systems.best_options = ['--processes', '2']
    print('# versions (pinned by bench/worker_peers/peers_setup.py)')
    print(f'  service-background: {metadata.version("service-background")} (python {sys.version.split()[0]}, '
          f'{sys.executable})')
    for name, version in peers_setup.versions(peers):
        print(f'  {name}: {version}')
    if 'ours-best' in args.systems:
        best = ' '.join(systems.best_options) if systems.best_options is not None else 'two CLI processes'
        print(f'# ours-best: the worker CLI with {best}')
    print(f'# {args.jobs} no-op jobs per drain, median of {args.rounds}; steady state {args.steady_jobs} single adds; '
          f'pickup latency at {args.latency_rate:.0f} jobs/s for {args.latency_seconds:.0f} s; '
          f'{os.cpu_count()} cores; every wait bounded by {args.max_seconds:.0f} s', flush=True)
    print(f'\n{"system":<12} {"drain/s":>9} {"warm/s":>9} {"CPU ms":>7} {"steady/s":>9} {"adds/s":>8} '
          f'{"CPU ms":>7} {"pickup p50 / p99 ms":>19}')
    processes, collector = Processes(), probe.Collector()
    runner = Runner(processes, collector, args.max_seconds)
    signal.signal(signal.SIGTERM, interrupt)
    results = {}
    try:
        for name in args.systems:
            try:
                results[name] = run_system(BY_NAME[name], runner, args)
            except RuntimeError as ex:  # a broker or producer that did not start: the next system still runs
                results[name] = (Drain(note=str(ex)), Steady())
            print_row(name, *results[name])
    except KeyboardInterrupt:
        print('# interrupted: stopping what was started', file=sys.stderr)
    finally:
        processes.close()
        collector.close()
    if not results:
        return
    print('\ncolumns: drain/s worker start to the last handler run; warm/s first to last handler run; CPU ms per '
          'job of\nthe broker + workers (drain) and + the producer (steady); steady/s first add to the last handler '
          'run;\nadds/s the producer\'s own rate; pickup = enqueue to handler start at the fixed rate.')
    for name in results:
        print(f'  {name:<12} {BY_NAME[name].label}')
    print_breakdown(results)
    print_ratios(results)


if __name__ == '__main__':
    main()
