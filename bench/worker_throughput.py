#!/usr/bin/env python
"""Drain jobs/s and CPU per job of the worker (the service-background-worker CLI, a no-op sync handler)
against a raw batch client making the calls by hand, on one service (bin/run.py, memory store, its own
process, a free loopback port).

  raw-batch     asyncio + JobsAsyncClientV1 in this process: start_jobs_by_type(limit 500), then one
                complete_jobs call per batch, repeat (what the service can do when asked in batches).
  raw-reports   the same with report_jobs: one call reports a batch's outcomes and takes the next 500.
  cli-1         the CLI, --processes 1, its defaults otherwise (concurrency 8).
  cli-defaults  the CLI with its defaults (--processes = the number of cores).

Every mode drains --jobs jobs enqueued beforehand; the clock runs from the first job done to the last
(the service is polled every 100 ms, ~4 ms of its CPU each; process start-up is left out). CPU ms per job over
that time: the worker's processes (all of them) and the service's (which includes answering the polls).
--worker-src DIR runs the CLI from another checkout's src (e.g. `git archive HEAD src | tar -x -C /tmp/old`)
for a before/after comparison in one run.

Run: .venv/bin/python bench/worker_throughput.py [--jobs 20000] [--max-seconds 120] [--worker-src DIR]
"""
import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

sys.path.insert(0, os.path.join(benchlib.ROOT, 'src'))
from pip_services3_commons.data import FilterParams, PagingParams  # noqa: E402

from service_background.jobs.clients.version1 import JobsHttpClientV1  # noqa: E402
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1  # noqa: E402

try:
    import uvloop
    LOOP_FACTORY = uvloop.new_event_loop
except ImportError:  # pragma: no cover
    LOOP_FACTORY = None

HANDLER = 'builtins:callable'  # a no-op any worker imports: callable(job) -> True


def run(coro):
    with asyncio.Runner(loop_factory=LOOP_FACTORY) as runner:
        return runner.run(coro)


async def enqueue(url: str, job_type: str, n: int):
    async with JobsAsyncClientV1(url) as client:
        for start in range(0, n, 1000):
            await client.add_jobs(None, [{'type': job_type} for _ in range(min(1000, n - start))])


async def raw_batches(url: str, job_type: str, n: int, max_seconds: float):
    """Take 500, complete them in one call, repeat."""
    async with JobsAsyncClientV1(url) as client:
        started = time.perf_counter()
        deadline, done = started + max_seconds, 0
        while done < n and time.perf_counter() < deadline:
            jobs = await client.start_jobs_by_type(None, job_type, None, 500)
            if not jobs:
                continue
            await client.complete_jobs(None, [j.id for j in jobs], None, [j.lease_token for j in jobs])
            done += len(jobs)
        return done, time.perf_counter() - started, client.requests


async def raw_reports(url: str, job_type: str, n: int, max_seconds: float):
    """The same with report_jobs: each call reports the last batch's outcomes and takes 500 more."""
    async with JobsAsyncClientV1(url) as client:
        started = time.perf_counter()
        deadline, done, reports = started + max_seconds, 0, []
        while done < n and time.perf_counter() < deadline:
            reply = await client.report_jobs(None, reports, {'type': job_type, 'limit': 500}, quiet=True)
            done += len(reports)
            reports = [{'job_id': j.id, 'lease_token': j.lease_token, 'outcome': 'complete'} for j in reply['jobs']]
        return done, time.perf_counter() - started, client.requests


def done_count(client: JobsHttpClientV1, job_type: str) -> int:
    return client.get_jobs(None, FilterParams.from_tuples('type', job_type, 'status', 'done'),
                           PagingParams(0, 1, True)).total


def cli_drain(url: str, job_type: str, n: int, max_seconds: float, args: list, src: str, client) -> tuple:
    """The CLI as a user starts it; returns (done after the first, seconds, worker CPU s, done in all)."""
    env = dict(os.environ, PYTHONPATH=src)
    env.pop('WORKER_PROCESSES', None)
    process = subprocess.Popen([sys.executable, '-m', 'service_background.worker.cli', '--url', url,
                                '--type', f'{job_type}={HANDLER}', '--log-level', 'warning', *args],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.perf_counter() + max_seconds
        first = None
        done = 0
        while time.perf_counter() < deadline and process.poll() is None:
            done = done_count(client, job_type)
            if done and first is None:
                first = (time.perf_counter(), done, benchlib.cpu_seconds(process.pid))
            if done >= n:
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - first[0] if first else 0.0
        cpu = benchlib.cpu_seconds(process.pid) - (first[2] if first else 0.0)  # start-up left out
        return done - (first[1] if first else 0), elapsed, cpu, done
    finally:
        benchlib.stop(process)


def line(name: str, done: int, elapsed: float, worker_cpu: float, service_cpu: float, n: int, total: int) -> float:
    rate = done / elapsed if elapsed > 0 else 0.0
    flag = '' if total >= n else f'  INCOMPLETE ({total}/{n})'
    print(f'{name:<14} {done:>7} jobs {elapsed:7.2f} s {rate:9.0f} jobs/s   CPU ms/job: worker '
          f'{worker_cpu * 1000 / max(done, 1):6.3f}  service {service_cpu * 1000 / max(done, 1):6.3f}{flag}',
          flush=True)
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--jobs', type=int, default=20000)
    parser.add_argument('--max-seconds', type=float, default=120.0)
    parser.add_argument('--worker-src', default=None, help='src folder of another checkout: its CLI too')
    args = parser.parse_args()
    n = args.jobs
    ours = os.path.join(benchlib.ROOT, 'src')
    modes = [('raw-batch', None, None), ('raw-reports', None, None), ('cli-1', ['--processes', '1'], ours),
             ('cli-defaults', [], ours)]
    if args.worker_src:
        modes.insert(1, ('before-cli', [], os.path.abspath(args.worker_src)))
    print(f'# {n} no-op jobs per mode, service bin/run.py (memory) on 127.0.0.1, {os.cpu_count()} cores', flush=True)
    rates = {}
    with benchlib.our_service('memory', env={'RETRIES_DISABLED': 'true', 'TASKS_DISABLED': 'true',
                                             'CRON_DISABLED': 'true'}) as (url, service):
        client = JobsHttpClientV1()
        client.configure(benchlib_config(url))
        client.open(None)
        for name, cli_args, src in modes:
            job_type = f'bench_{name.replace("-", "_")}_{uuid.uuid4().hex[:6]}'
            run(enqueue(url, job_type, n))
            service_before = benchlib.cpu_seconds(service.pid)  # (cli: includes the wait for start-up polls)
            if cli_args is None:
                cpu = time.process_time()
                drain = raw_batches if name == 'raw-batch' else raw_reports
                done, elapsed, _ = run(drain(url, job_type, n, args.max_seconds))
                worker_cpu, total = time.process_time() - cpu, done
            else:
                done, elapsed, worker_cpu, total = cli_drain(url, job_type, n, args.max_seconds, cli_args, src, client)
            rates[name] = line(name, done, elapsed, worker_cpu, benchlib.cpu_seconds(service.pid) - service_before, n,
                               total)
        client.close(None)
    for name in rates:
        if name != 'raw-batch':
            print(f'{name} / raw-batch: {benchlib.ratio(rates[name], rates["raw-batch"])}')
    if 'before-cli' in rates:
        print(f'cli-defaults / before-cli: {benchlib.ratio(rates["cli-defaults"], rates["before-cli"])}')


def benchlib_config(url: str):
    from pip_services3_commons.config import ConfigParams
    return ConfigParams.from_tuples('connection.uri', url)


if __name__ == '__main__':
    main()
