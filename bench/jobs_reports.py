"""report_jobs against complete_jobs on our service (memory store by default): 500 finished jobs per call,
server CPU per job of the finishing calls alone, then of whole worker cycles (complete, then take: two calls;
report with the next take: one call), each pair interleaved call by call so background work falls on both.
Bounded in rounds and seconds; prints figures and stops by itself.

    .venv/bin/python bench/jobs_reports.py [--store memory|file] [--rounds 30] [--batch 500]"""
import argparse
import http.client
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msgspec  # noqa: E402

import benchlib  # noqa: E402

dumps, loads = msgspec.json.encode, msgspec.json.decode
FINISHERS = ('complete_jobs', 'report_jobs')
CYCLES = ('two calls', 'one call')


class Http:
    """One kept-alive connection over http.client, so the server's share shows."""

    def __init__(self, url: str):
        host, port = url.split('//', 1)[1].split(':')
        self._conn = http.client.HTTPConnection(host, int(port), timeout=30)

    def call(self, command: str, body: dict):
        self._conn.request('POST', f'/v1/jobs/{command}', dumps(body), {'Content-Type': 'application/json'})
        response = self._conn.getresponse()
        payload = response.read()
        if response.status not in (200, 204):
            raise RuntimeError(f'{command}: {response.status} {payload[:200]!r}')
        return loads(payload) if payload else None


def _fill(http: Http, type: str, count: int):
    for start in range(0, count, 1000):
        http.call('add_jobs', {'new_jobs': [{'type': type} for _ in range(min(1000, count - start))]})


def finishing_calls(http: Http, pid: int, rounds: int, batch: int, deadline: float) -> dict:
    """Each round takes ``batch`` jobs twice (not measured) and finishes one lot with complete_jobs, the
    other with report_jobs, alternating which goes first: background work (the cleaner) falls on both."""
    _fill(http, 'fin', 2 * rounds * batch)
    totals = {mode: {'cpu': 0.0, 'elapsed': 0.0, 'calls': 0, 'done': 0} for mode in FINISHERS}
    for round in range(rounds):
        if time.monotonic() > deadline:
            break
        for mode in FINISHERS[::1 if round % 2 else -1]:
            jobs = http.call('start_jobs_by_type', {'type': 'fin', 'limit': batch, 'timeout': 60000})
            if mode == 'complete_jobs':
                body = {'job_ids': [j['id'] for j in jobs], 'lease_tokens': [j['lease_token'] for j in jobs]}
            else:
                body = {'reports': [{'job_id': j['id'], 'lease_token': j['lease_token'], 'outcome': 'complete'}
                                    for j in jobs], 'quiet': True}
            cpu0, t0 = benchlib.cpu_seconds(pid), time.perf_counter()
            reply = http.call(mode, body)
            total = totals[mode]
            total['elapsed'] += time.perf_counter() - t0
            total['cpu'] += benchlib.cpu_seconds(pid) - cpu0
            applied = sum(j is not None for j in reply) if mode == 'complete_jobs' else \
                sum(r is None for r in reply['results'])
            assert applied == len(jobs), (mode, applied, len(jobs))
            total['calls'] += 1
            total['done'] += applied
    return {mode: {'calls/s': total['calls'] / total['elapsed'], 'jobs/s': total['done'] / total['elapsed'],
                   'cpu_ms': total['cpu'] * 1000 / total['done'], 'jobs': total['done']}
            for mode, total in totals.items()}


def worker_cycles(http: Http, pid: int, rounds: int, batch: int, deadline: float) -> dict:
    """A worker's loop on two queues, step by step in turn: ``two calls`` completes then takes the next
    batch; ``one call`` reports and takes the next batch together. Each step is measured alone."""
    takes = {mode: {'type': f'cycle_{index}', 'limit': batch, 'timeout': 60000} for index, mode in enumerate(CYCLES)}
    totals = {mode: {'cpu': 0.0, 'elapsed': 0.0, 'calls': 0, 'done': 0} for mode in CYCLES}
    held = {}
    for mode in CYCLES:
        _fill(http, takes[mode]['type'], (rounds + 1) * batch)
        held[mode] = http.call('start_jobs_by_type', takes[mode])
    for round in range(rounds):
        if time.monotonic() > deadline:
            break
        for mode in CYCLES[::1 if round % 2 else -1]:
            jobs, total = held[mode], totals[mode]
            cpu0, t0 = benchlib.cpu_seconds(pid), time.perf_counter()
            if mode == 'two calls':
                reply = http.call('complete_jobs', {'job_ids': [j['id'] for j in jobs],
                                                    'lease_tokens': [j['lease_token'] for j in jobs]})
                held[mode] = http.call('start_jobs_by_type', takes[mode])
                done, calls = sum(j is not None for j in reply), 2
            else:
                reply = http.call('report_jobs', {'reports': [{'job_id': j['id'], 'lease_token': j['lease_token'],
                                                               'outcome': 'complete'} for j in jobs],
                                                  'take': takes[mode], 'quiet': True})
                held[mode] = reply['jobs']
                done, calls = sum(r is None for r in reply['results']), 1
            total['elapsed'] += time.perf_counter() - t0
            total['cpu'] += benchlib.cpu_seconds(pid) - cpu0
            assert done == len(jobs), (mode, done, len(jobs))
            total['calls'] += calls
            total['done'] += done
    return {mode: {'calls/s': total['calls'] / total['elapsed'], 'jobs/s': total['done'] / total['elapsed'],
                   'cpu_ms': total['cpu'] * 1000 / total['done'], 'jobs': total['done']}
            for mode, total in totals.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--store', default='memory', choices=('memory', 'file'))
    parser.add_argument('--rounds', type=int, default=30, help='batches per measure (each of --batch jobs)')
    parser.add_argument('--batch', type=int, default=500)
    parser.add_argument('--repeats', type=int, default=3, help='interleaved runs; medians are printed')
    parser.add_argument('--max-seconds', type=float, default=120)
    args = parser.parse_args()
    deadline = time.monotonic() + args.max_seconds
    print(f'report_jobs vs complete_jobs: {args.store} store, {args.batch} jobs per call, {args.rounds} calls per '
          f'measure, median of {args.repeats}, {os.cpu_count()} cores', flush=True)
    with benchlib.our_service(args.store, env={'JOBS_CLEAN_INTERVAL': '1000', 'JOBS_FINISHED_TTL': '1'}) as (url, p):
        http = Http(url)
        finishing_calls(http, p.pid, 2, args.batch, deadline)  # warm-up
        measures = {}
        for _ in range(args.repeats):
            for mode, figures in finishing_calls(http, p.pid, args.rounds, args.batch, deadline).items():
                measures.setdefault(('finish', mode), []).append(figures)
            for mode, figures in worker_cycles(http, p.pid, args.rounds, args.batch, deadline).items():
                measures.setdefault(('cycle', mode), []).append(figures)
        medians = {}
        for (kind, mode), runs in measures.items():
            medians[kind, mode] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            m = medians[kind, mode]
            label = f'{kind}: {mode}'
            print(f'  {label:<28} {m["calls/s"]:8,.1f} calls/s {m["jobs/s"]:10,.0f} jobs/s   '
                  f'server CPU {m["cpu_ms"]:.4f} ms/job   ({int(m["jobs"])} jobs)', flush=True)
        for kind, a, b in (('finish', 'report_jobs', 'complete_jobs'), ('cycle', 'one call', 'two calls')):
            x, y = medians[kind, a], medians[kind, b]
            print(f'  {kind}: {a} / {b}: jobs/s {x["jobs/s"] / y["jobs/s"]:.2f}x, '
                  f'server CPU per job {x["cpu_ms"] / y["cpu_ms"]:.2f}x', flush=True)


if __name__ == '__main__':
    main()
