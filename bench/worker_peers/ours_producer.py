"""Our producer for bench/worker_peers.py, run with the repo's .venv python: `ours_producer.py URL TYPE
bulk|single N RATE` adds N no-op jobs with our Python client (JobsAsyncClientV1): single, one enqueue per call
(an add_job answered with the new id alone; with LINGER_MS > 0, enqueue_soon: the client's opt-in batching
of single adds), stamped with CLOCK_MONOTONIC and paced to RATE jobs/s when
RATE > 0; bulk, add_jobs of 1000 unstamped. Prints "ready" once set up and starts at a line on stdin; stops
after MAX_SECONDS; prints "added N SECONDS"."""
import asyncio
import os
import sys
import time

from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1  # PYTHONPATH: src

MAX_SECONDS = float(os.environ.get('MAX_SECONDS') or 300)
LINGER_MS = float(os.environ.get('LINGER_MS') or 0)  # > 0: single adds by enqueue_soon, batched by the client


async def produce(url: str, job_type: str, mode: str, n: int, rate: float) -> int:
    async with JobsAsyncClientV1(url, linger_ms=LINGER_MS) as client:
        print('ready', flush=True)  # the bench reads the CPU used so far, then says go
        sys.stdin.readline()
        started, done = time.monotonic(), 0
        deadline = started + MAX_SECONDS
        while done < n and time.monotonic() < deadline:
            if mode == 'bulk':
                step = min(1000, n - done)
                await client.add_jobs(None, [{'type': job_type, 'params': {'t': 0}} for _ in range(step)])
                done += step
                continue
            if rate > 0:
                delay = started + done / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            if LINGER_MS > 0:
                client.enqueue_soon(job_type, {'t': time.monotonic()})
                await asyncio.sleep(0)  # the client's batches go out while the producer adds
            else:
                await client.enqueue(job_type, {'t': time.monotonic()})
            done += 1
        await client.flush()  # every add acknowledged before the producer reports
    return done


def main():
    url, job_type, mode, n, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    try:
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = None
    started = time.monotonic()
    with asyncio.Runner(loop_factory=factory) as runner:
        done = runner.run(produce(url, job_type, mode, n, rate))
    print(f'added {done} {time.monotonic() - started:.6f}', flush=True)


if __name__ == '__main__':
    main()
