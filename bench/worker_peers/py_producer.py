"""A Python peer's producer for bench/worker_peers.py, run in the peer's venv with its own client:
`py_producer.py SYSTEM bulk|single N RATE` adds N no-op jobs (single: one add per call, stamped with
CLOCK_MONOTONIC at the add, paced to RATE jobs/s when RATE > 0; bulk: unstamped, the fastest way the
client offers) to the broker on 127.0.0.1:REDIS_PORT, stops after MAX_SECONDS, prints "added N SECONDS"."""
import asyncio
import os
import sys
import time

MAX_SECONDS = float(os.environ.get('MAX_SECONDS') or 300)


def ready():
    """Set up: the bench reads the CPU used so far, then says go."""
    print('ready', flush=True)
    sys.stdin.readline()


def adder(system: str):
    """A function t -> None adding one job, and one adding a list of unstamped jobs (or None)."""
    if system == 'huey':
        from huey_tasks import noop
        return noop, None
    if system == 'dramatiq':
        from dramatiq_tasks import noop
        return noop.send, None
    if system == 'celery':
        from celery_tasks import noop
        return noop.delay, None
    if system == 'rq':
        import redis
        import rq
        from rq_tasks import noop
        queue = rq.Queue('bench', connection=redis.Redis(host='127.0.0.1', port=int(os.environ['REDIS_PORT'])))

        def many(count):
            queue.enqueue_many([rq.Queue.prepare_data(noop, (0,)) for _ in range(count)])
        return (lambda t: queue.enqueue(noop, t)), many
    raise ValueError(system)


def paced(add, n: int, rate: float, deadline: float) -> int:
    started, done = time.monotonic(), 0
    while done < n and time.monotonic() < deadline:
        if rate > 0:
            delay = started + done / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        add(time.monotonic())
        done += 1
    return done


async def arq_main(mode: str, n: int, rate: float) -> tuple:
    from arq import create_pool
    from arq_tasks import WorkerSettings
    pool = await create_pool(WorkerSettings.redis_settings)
    await pool.ping()
    ready()
    started, done = time.monotonic(), 0
    deadline = started + MAX_SECONDS
    try:
        if mode == 'bulk':
            while done < n and time.monotonic() < deadline:
                step = min(200, n - done)
                await asyncio.gather(*(pool.enqueue_job('noop', 0) for _ in range(step)))
                done += step
            return done, time.monotonic() - started
        while done < n and time.monotonic() < deadline:
            if rate > 0:
                delay = started + done / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            await pool.enqueue_job('noop', time.monotonic())
            done += 1
        return done, time.monotonic() - started
    finally:
        await pool.aclose()


def main():
    system, mode, n, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    if system == 'arq':
        done, elapsed = asyncio.run(arq_main(mode, n, rate))
    else:
        single, many = adder(system)
        ready()
        started = time.monotonic()
        deadline = started + MAX_SECONDS
        if mode == 'bulk' and many is not None:
            done = 0
            while done < n and time.monotonic() < deadline:
                step = min(1000, n - done)
                many(step)
                done += step
        else:
            done = paced(single if mode == 'single' else (lambda t: single(0)), n, rate, deadline)
        elapsed = time.monotonic() - started
    print(f'added {done} {elapsed:.6f}', flush=True)


if __name__ == '__main__':
    main()
