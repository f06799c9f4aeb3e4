#!/usr/bin/env python
"""Jobs/s of no-op handlers through the worker library (service_background.worker.JobsWorker) against a raw
HTTP client loop making the same take/complete calls without the library, in the same run, on one service
(bin/run.py, memory store, its own process, a free loopback port); then an RQ worker on redis-server.

  raw         asyncio + JobsAsyncClientV1, no library: take up to --concurrency jobs with
              start_jobs_by_type(limit), complete them all concurrently (complete_job each), repeat.
  lib-async   JobsWorker(concurrency) with an `async def` no-op handler.
  lib-sync    JobsWorker(concurrency) with a plain `def` no-op handler (run on the worker's threads).
  rq-simple   `rq worker --burst -w rq.worker.SimpleWorker` (one process, jobs in process) on redis-server.
  rq-fork     `rq worker --burst` (one process, a fork per job: RQ's default).

Every mode processes --jobs jobs (rq: --rq-jobs) enqueued beforehand, and stops by itself after them or after
--max-seconds (then it says incomplete). Client and service share this machine's cores, so the figures are for
comparing modes within one run. Prints jobs/s and requests per job; target lib / raw >= 0.9x.
redis-server: Debian's package (apt-get when missing); rq: pip-installed into this venv when missing.

Run: .venv/bin/python bench/worker_throughput.py [--jobs 5000] [--rq-jobs 1000] [--concurrency 8]
        [--max-seconds 120] [--no-rq] [--quick]     (--quick: --jobs 300 --rq-jobs 100 --max-seconds 30)
"""
import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

sys.path.insert(0, os.path.join(benchlib.ROOT, 'src'))
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1  # noqa: E402
from service_background.worker import JobsWorker  # noqa: E402

try:
    import uvloop
    LOOP_FACTORY = uvloop.new_event_loop
except ImportError:  # pragma: no cover
    LOOP_FACTORY = None


def run(coro):
    with asyncio.Runner(loop_factory=LOOP_FACTORY) as runner:
        return runner.run(coro)


async def enqueue(url: str, job_type: str, n: int):
    async with JobsAsyncClientV1(url) as client:
        for start in range(0, n, 1000):
            await client.add_jobs(None, [{'type': job_type} for _ in range(min(1000, n - start))])


async def raw_loop(url: str, job_type: str, n: int, concurrency: int, max_seconds: float):
    """The same take/complete calls the library makes, written by hand."""
    async with JobsAsyncClientV1(url, max_connections=2 * concurrency + 2) as client:
        started = time.perf_counter()
        deadline, done = started + max_seconds, 0
        while done < n and time.perf_counter() < deadline:
            jobs = await client.start_jobs_by_type(None, job_type, None, concurrency)
            if not jobs:
                jobs = [job for job in [await client.want_job(None, job_type, 1000)] if job is not None]
            await asyncio.gather(*(client.complete_job(None, job.id, None) for job in jobs))
            done += len(jobs)
        return done, time.perf_counter() - started, client.requests


async def library(url: str, job_type: str, n: int, concurrency: int, max_seconds: float, sync: bool):
    worker = JobsWorker(url, concurrency=concurrency, block_for=1, grace=5)
    if sync:
        worker.handle(job_type, lambda job: None)
    else:
        async def noop(job):
            return None
        worker.handle(job_type, noop)
    started = time.perf_counter()
    task = asyncio.ensure_future(worker.run_async())
    deadline = started + max_seconds
    while worker.stats.get('completed', 0) < n and time.perf_counter() < deadline and not task.done():
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    done = worker.stats.get('completed', 0)
    requests = worker.client.requests if worker.client is not None else 0
    worker.stop(now=True)
    await asyncio.wait_for(task, 30)
    return done, elapsed, requests


def line(name: str, done: int, n: int, elapsed: float, requests: int = None) -> float:
    rate = done / elapsed if elapsed > 0 else 0.0
    per = f'{requests / done:5.2f} req/job' if requests and done else '             '
    flag = '' if done >= n else f'  INCOMPLETE ({done}/{n})'
    print(f'{name:<12} {done:>7} jobs {elapsed:8.2f} s {rate:10.0f} jobs/s  {per}{flag}', flush=True)
    return rate if done >= n else 0.0


# --------------------------------------------------------------------------------------------------- RQ
RQ_FUNC = 'builtins.len'  # a no-op any RQ worker imports; called as len('x')


def rq_modes(n: int, max_seconds: float) -> dict:
    redis_server = benchlib.ensure_apt('redis-server')
    rq = benchlib.ensure_pip('rq')
    import redis
    port = benchlib.free_port()
    folder = tempfile.mkdtemp(prefix='bench-rq-')
    server = subprocess.Popen([redis_server, '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                               '--appendonly', 'no', '--dir', folder], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    rates = {}
    try:
        benchlib.wait_port(port, server, what='redis-server')
        connection = redis.Redis(host='127.0.0.1', port=port)
        rq_bin = os.path.join(os.path.dirname(sys.executable), 'rq')
        for name, worker_class in (('rq-simple', 'rq.worker.SimpleWorker'), ('rq-fork', 'rq.worker.Worker')):
            queue = rq.Queue(f'bench-{uuid.uuid4().hex[:8]}', connection=connection)
            for start in range(0, n, 500):
                with connection.pipeline() as pipe:
                    for _ in range(min(500, n - start)):
                        queue.enqueue(RQ_FUNC, 'x', pipeline=pipe, result_ttl=600)
                    pipe.execute()
            started = time.perf_counter()
            process = subprocess.Popen([rq_bin, 'worker', '--burst', '--url', f'redis://127.0.0.1:{port}', '-w',
                                        worker_class, '--logging_level', 'WARNING', queue.name],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                process.wait(max_seconds)
            except subprocess.TimeoutExpired:
                benchlib.stop(process)
            wall = time.perf_counter() - started
            done = queue.finished_job_registry.count
            rates[name] = line(name, done, n, wall)
    finally:
        benchlib.stop(server)
        shutil.rmtree(folder, ignore_errors=True)
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--jobs', type=int, default=5000)
    parser.add_argument('--rq-jobs', type=int, default=1000)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--max-seconds', type=float, default=120.0)
    parser.add_argument('--no-rq', action='store_true')
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args()
    if args.quick:
        args.jobs, args.rq_jobs, args.max_seconds = 300, 100, 30.0
    n, c = args.jobs, args.concurrency
    print(f'# {n} no-op jobs per mode, concurrency {c}, service bin/run.py (memory) on 127.0.0.1', flush=True)
    rates = {}
    with benchlib.our_service('memory', env={'RETRIES_DISABLED': 'true', 'TASKS_DISABLED': 'true',
                                             'CRON_DISABLED': 'true'}) as (url, _process):
        for name in ('raw', 'lib-async', 'lib-sync', 'raw#2'):  # raw twice: the machine's drift shows
            job_type = f'bench_{name.replace("#", "")}_{uuid.uuid4().hex[:6]}'
            run(enqueue(url, job_type, n))
            if name.startswith('raw'):
                done, elapsed, requests = run(raw_loop(url, job_type, n, c, args.max_seconds))
            else:
                done, elapsed, requests = run(library(url, job_type, n, c, args.max_seconds, name == 'lib-sync'))
            rates[name] = line(name, done, n, elapsed, requests)
    raw = max(rates['raw'], rates['raw#2'])
    print(f'lib-async / raw: {benchlib.ratio(rates["lib-async"], raw)}   '
          f'lib-sync / raw: {benchlib.ratio(rates["lib-sync"], raw)}   (target >= 0.9x; raw = the better of two)')
    if not args.no_rq:
        print(f'# RQ: {args.rq_jobs} jobs of {RQ_FUNC}, one worker process, redis-server on 127.0.0.1 '
              f'(wall time from worker start to its burst exit)', flush=True)
        rq_rates = rq_modes(args.rq_jobs, args.max_seconds)
        for name, rate in rq_rates.items():
            print(f'lib-async / {name}: {benchlib.ratio(rates["lib-async"], rate)}')


if __name__ == '__main__':
    main()
