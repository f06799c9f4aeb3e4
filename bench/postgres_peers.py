#!/usr/bin/env python
"""Job systems on PostgreSQL, ours against the ones users would otherwise pick: --jobs no-op jobs enqueued
beforehand with each system's own bulk API, then drained, one system after the other, each on a fresh database of
one throwaway PostgreSQL cluster on 127.0.0.1 (test/postgres_server.py's PostgresServer):

  ours           the service (bin/run.py, POSTGRES_ENABLED=true) drained by the worker CLI at its defaults
  graphile       Graphile Worker 0.17, pgboss pg-boss 10, procrastinate Procrastinate 3 (settings in
                 bench/postgres_peers/pg_systems.py)

Per system: jobs/s (worker start to the last handler run; median of --rounds), CPU ms per job of every process
(the workers, our service, and every process of the cluster: /proc utime + stime of the postmaster, its live
children and the children it reaped, before the workers start and at the last handler run), and the ratio ours /
the fastest peer. Every handler sends one UDP datagram to the bench (bench/worker_peers/probe.py). Peers are
installed on first use into build/bench-postgres-peers/.

Run: .venv/bin/python bench/postgres_peers.py [--jobs 20000] [--rounds 1] [--max-seconds 300]
        [--systems ours,graphile,pgboss,procrastinate]
"""
import argparse
import contextlib
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from importlib import metadata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, 'worker_peers'))
sys.path.insert(2, os.path.join(HERE, 'postgres_peers'))
import pg_systems  # noqa: E402
import probe  # noqa: E402
import psycopg  # noqa: E402
from pg_systems import PG_BY_NAME, SYSTEMS  # noqa: E402
from phases import Processes, Runner  # noqa: E402
from test.postgres_server import PostgresServer  # noqa: E402

import benchlib  # noqa: E402


@dataclass
class Drain:
    rate: float = 0.0  # jobs/s from worker start to the last handler run
    workers_ms: float = 0.0  # CPU ms per job of the worker processes
    service_ms: float = 0.0  # of our service (ours only)
    postgres_ms: float = 0.0  # of every process of the cluster
    done: int = 0
    note: str = ''

    @property
    def cpu_ms(self) -> float:
        return self.workers_ms + self.service_ms + self.postgres_ms


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--jobs', type=int, default=20000, help='jobs per drain (20000)')
    parser.add_argument('--rounds', type=int, default=1, help='drains per system, each on a fresh database; '
                                                              'the median is shown (1)')
    parser.add_argument('--max-seconds', type=float, default=300.0, help='a wait that stalls gives up after (300)')
    parser.add_argument('--systems', default=','.join(s.name for s in SYSTEMS),
                        help='comma separated, of: ' + ', '.join(s.name for s in SYSTEMS))
    args = parser.parse_args()
    args.systems = benchlib.systems_arg(parser, args.systems, PG_BY_NAME)
    return args


class Cluster:
    """The bench's PostgreSQL: a fresh database per drain, and the CPU of all its processes."""

    def __init__(self, server: PostgresServer):
        self._server, self._admin = server, server.start()
        with open(os.path.join(server.data_dir, 'postmaster.pid')) as f:
            self._postmaster = int(f.readline())

    def cpu(self) -> float:
        return benchlib.cpu_seconds(self._postmaster, reaped=True)

    def fresh_database(self, name: str) -> str:
        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
            conn.execute(f'CREATE DATABASE {name}')
        return self._admin.rsplit('/', 1)[0] + '/' + name

    def drop_database(self, name: str):
        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')


def _failure(processes: Processes, workers: list, what: str) -> str:
    dead = [p for p in workers if p.poll() is not None]
    if not dead:
        return what
    return f'{what}; a worker exited ({dead[0].returncode}):\n{processes.log_tail(dead[0])}'


def drain(system, runner: Runner, cluster: Cluster, ctx: dict, service, n: int, max_seconds: float) -> Drain:
    """Enqueues n with the system's producer, then starts its workers and waits for n handler runs."""
    collector, processes = runner.collector, runner.processes
    problem = runner.enqueue(system, ctx, n)
    if problem:
        return Drain(note=problem)
    time.sleep(0.5)  # the enqueue's commits and the producer's disconnect settle
    collector.reset()
    service_a, postgres_a = (benchlib.cpu_seconds(service.pid) if service else 0.0), cluster.cpu()
    started = time.monotonic()
    workers = [processes.start(c, f'{system.name}-worker', collector.port) for c in system.workers(ctx)]
    try:
        complete = collector.wait(n, max_seconds, lambda: all(w.poll() is None for w in workers))
        workers_b = sum(benchlib.cpu_seconds(w.pid) for w in workers)
        service_b, postgres_b = (benchlib.cpu_seconds(service.pid) if service else 0.0), cluster.cpu()
        stamps = collector.stamps()
        if not stamps:
            return Drain(note=_failure(processes, workers, f'no handler ran in {max_seconds:.0f} s'))
        per_job = 1000 / len(stamps)
        result = Drain(rate=len(stamps) / (max(s[1] for s in stamps) - started), done=len(stamps),
                       workers_ms=per_job * workers_b, service_ms=per_job * (service_b - service_a),
                       postgres_ms=per_job * (postgres_b - postgres_a))
        if not complete:
            result.note = _failure(processes, workers, f'stalled: {len(stamps)}/{n} in {max_seconds:.0f} s')
        return result
    finally:
        processes.stop(workers)


def run_system(system, runner: Runner, cluster: Cluster, args) -> Drain:
    drains = []
    for _ in range(args.rounds):
        uri = cluster.fresh_database(f'bench_{system.name}')
        try:
            with (benchlib.our_service(uri) if system.ours else contextlib.nullcontext((None, None))) as (url, svc):
                drains.append(drain(system, runner, cluster, {'url': url, 'database': uri}, svc, args.jobs,
                                    args.max_seconds))
        finally:
            cluster.drop_database(f'bench_{system.name}')
        if drains[-1].note:
            break
    good = [d for d in drains if not d.note] or drains
    median = {key: statistics.median(getattr(d, key) for d in good)
              for key in ('rate', 'workers_ms', 'service_ms', 'postgres_ms')}
    return Drain(**median, done=min(d.done for d in good), note='; '.join(d.note for d in drains if d.note))


def fmt(value: float, digits: int = 0, measured: bool = True) -> str:
    return f'{value:,.{digits}f}' if measured else 'n/a'


def print_row(name: str, d: Drain):
    print(f'{name:<14} {fmt(d.rate, 0, d.rate):>9} {fmt(d.cpu_ms, 3, d.rate):>9} {fmt(d.workers_ms, 3, d.rate):>8} '
          f'{fmt(d.service_ms, 3, d.rate and PG_BY_NAME[name].ours):>8} {fmt(d.postgres_ms, 3, d.rate):>9}',
          flush=True)
    if d.note:
        print('    ! ' + d.note.replace('\n', '\n      '), flush=True)


def print_ratios(results: dict):
    peers = {n: d for n, d in results.items() if not PG_BY_NAME[n].ours and d.rate and not d.note}
    ours = results.get('ours')
    if not peers or ours is None:
        return
    fastest = max(peers, key=lambda n: peers[n].rate)
    print(f'\nratios ours / peer (fastest peer: {fastest})')
    print(f'  jobs/s ours / fastest  {benchlib.ratio(ours.rate, peers[fastest].rate)}   CPU/job ours / fastest '
          f'{benchlib.ratio(ours.cpu_ms, peers[fastest].cpu_ms)}')
    print('  jobs/s ours / each     ' + '  '.join(f'{p} {benchlib.ratio(ours.rate, d.rate).strip()}'
                                              for p, d in peers.items()))
    met = ours.rate and not ours.note and ours.rate >= peers[fastest].rate
    print(f'\ntarget (issue 26): jobs/s ours >= 1.0x the fastest peer: {"met" if met else "NOT met"}')


def interrupt(*_):
    raise KeyboardInterrupt  # SIGTERM as Ctrl-C: every `finally` stops what it started


def main():
    args = parse_args()
    peers = [s for s in args.systems if not PG_BY_NAME[s].ours]
    pg_systems.install(peers)
    signal.signal(signal.SIGTERM, interrupt)
    server, processes, collector = PostgresServer(own=True), Processes(), probe.Collector()
    results = {}
    try:
        cluster = Cluster(server)
        with psycopg.connect(server.uri, autocommit=True) as conn:
            version = conn.execute('SHOW server_version').fetchone()[0]
        print('# versions')
        print(f'  service-background: {metadata.version("service-background")} ({benchlib.SERVICE_ROOT}); '
              f'PostgreSQL {version} (fsync on, shared_buffers 32MB)')
        for name, v in pg_systems.versions(peers):
            print(f'  {name}: {v}')
        print(f'# {args.jobs} no-op jobs per drain, enqueued beforehand; median of {args.rounds}; '
              f'{os.cpu_count()} cores; every wait bounded by {args.max_seconds:.0f} s; settings:')
        for name in args.systems:
            print(f'  {name:<14} {PG_BY_NAME[name].label}')
        print(f'\n{"system":<14} {"jobs/s":>9} {"CPU ms":>9} {"workers":>8} {"service":>8} {"postgres":>9}'
              '   (CPU ms per job)', flush=True)
        runner = Runner(processes, collector, args.max_seconds)
        for name in args.systems:
            try:
                results[name] = run_system(PG_BY_NAME[name], runner, cluster, args)
            except RuntimeError as ex:  # a service or producer that did not start: the next system still runs
                results[name] = Drain(note=str(ex))
            print_row(name, results[name])
    except KeyboardInterrupt:
        print('# interrupted: stopping what was started', file=sys.stderr)
    finally:
        processes.close()
        collector.close()
        server.stop()
    print('\ncolumns: jobs/s from worker start to the last handler run; CPU ms per job of every process over the '
          'same span:\nthe workers (from their start), our service, and every PostgreSQL process (postmaster, '
          'backends,\nbackground workers, and the backends that exited).')
    print_ratios(results)


if __name__ == '__main__':
    main()
