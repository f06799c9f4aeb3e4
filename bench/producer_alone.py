#!/usr/bin/env python
"""What bounds a steady state: each system's producer of bench/worker_peers.py adding --adds single jobs as fast
as its client goes, with no worker running, on its own fresh broker on 127.0.0.1 (ours: JobsAsyncClientV1.enqueue
against the service on the memory store; Sidekiq: Sidekiq::Client.push against redis-server; ...). A steady
state (producer and workers at once on the same cores) can only come out lower than this. Prints per system the
median adds/s of --rounds, CPU µs per add of the producer and of the broker, and ours / each peer; then the floor
of our HTTP path: the same client's GET /heartbeat one at a time against the service (no work behind it).

Run: .venv/bin/python bench/producer_alone.py [--adds 10000] [--rounds 3] [--systems ours-memory,sidekiq,...]
"""
import argparse
import asyncio
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, 'worker_peers'))
import peers_setup  # noqa: E402
import probe  # noqa: E402
from phases import Alone, Processes, Runner  # noqa: E402
from systems import BY_NAME  # noqa: E402

import benchlib  # noqa: E402
from worker_peers import broker_for  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--adds', type=int, default=10000, help='single adds per round (10000)')
    parser.add_argument('--rounds', type=int, default=3, help='rounds per system, each on a fresh broker (3)')
    parser.add_argument('--max-seconds', type=float, default=120.0, help='a producer that stalls stops after (120)')
    parser.add_argument('--systems', default='ours-memory,ours-file,sidekiq,bullmq,huey')
    args = parser.parse_args()
    args.systems = benchlib.systems_arg(parser, args.systems, BY_NAME)
    return args


def run_system(system, runner: Runner, args) -> Alone:
    rounds = []
    for _ in range(args.rounds):
        with broker_for(system) as (ctx, broker):
            rounds.append(runner.alone(system, ctx, broker, args.adds))
        if rounds[-1].note:
            return rounds[-1]
    return Alone(**{key: statistics.median(getattr(r, key) for r in rounds)
                    for key in ('rate', 'producer_us', 'broker_us')})


async def _heartbeats(url: str, n: int) -> tuple:
    """(seconds, client CPU seconds) of n GET /heartbeat one at a time on one kept-alive connection."""
    from service_background.common.clients.lean_http_client import LeanHttpClient
    client = LeanHttpClient(url)
    try:
        for _ in range(2000):  # the service's own start-up work settles meanwhile
            await client.request('GET', '/heartbeat')
        before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        for _ in range(n):
            await client.request('GET', '/heartbeat')
        seconds, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    finally:
        await client.close()
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _loop_factory():
    try:
        import uvloop
        return uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        return None


def heartbeat_floor(n: int) -> tuple:
    """(requests/s, client µs, service µs) per GET /heartbeat against the service on the memory store."""
    sys.path.insert(0, os.path.join(benchlib.SERVICE_ROOT, 'src'))
    with benchlib.our_service('memory') as (url, process):
        pid = benchlib.server_pid(process)
        service_a = benchlib.cpu_seconds(pid)
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:  # as ours_producer.py runs
            seconds, client = runner.run(_heartbeats(url, n))
        service = benchlib.cpu_seconds(pid) - service_a
    return n / seconds, 1e6 * client / n, 1e6 * service / n


def main():
    args = parse_args()
    peers = [s for s in args.systems if not BY_NAME[s].ours]
    peers_setup.install(peers)
    print(f'# {args.adds} single adds, no worker running, median of {args.rounds} fresh brokers; '
          f'{os.cpu_count()} cores')
    print(f'\n{"system":<12} {"adds/s":>9} {"producer µs/add":>16} {"broker µs/add":>14}')
    processes, collector = Processes(), probe.Collector()
    runner = Runner(processes, collector, args.max_seconds)
    results = {}
    try:
        for name in args.systems:
            try:
                results[name] = run_system(BY_NAME[name], runner, args)
            except RuntimeError as ex:
                results[name] = Alone(note=str(ex))
            r = results[name]
            print(f'{name:<12} {r.rate:>9,.0f} {r.producer_us:>16,.0f} {r.broker_us:>14,.0f}'
                  + (f'   ({r.note[:200]})' if r.note else ''), flush=True)
    finally:
        processes.close()
        collector.close()
    rate, client_us, service_us = heartbeat_floor(args.adds)
    print(f'\nthe floor of our HTTP path, GET /heartbeat one at a time: {rate:,.0f} requests/s, client '
          f'{client_us:,.0f} µs and service {service_us:,.0f} µs of CPU per request')
    ours = [n for n in results if BY_NAME[n].ours and results[n].rate]
    others = [n for n in results if not BY_NAME[n].ours and results[n].rate]
    if ours and others:
        print('\nratios ours alone / each peer alone (adds/s)')
        for name in ours:
            print(f'  {name:<12} ' + '  '.join(f'{p} {benchlib.ratio(results[name].rate, results[p].rate)}'
                                              for p in others))


if __name__ == '__main__':
    main()
