"""Procrastinate's app for bench/postgres_peers.py, run in the bench's own venv: the no-op task (`noop`, one
probe datagram per run) on DATABASE_URL; `procrastinate_app.py N` is the producer (batch_defer_async of 1000)."""
import asyncio
import os
import sys
import time

import probe  # bench/worker_peers/probe.py, on PYTHONPATH
from procrastinate import App, PsycopgConnector

app = App(connector=PsycopgConnector(conninfo=os.environ.get('DATABASE_URL', '')))


@app.task(name='noop')
async def noop(t: float = 0) -> None:
    probe.hit(t)


async def produce(n: int) -> int:
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        print('ready', flush=True)  # the bench says go on stdin
        sys.stdin.readline()
        deadline, done = time.monotonic() + float(os.environ.get('MAX_SECONDS') or 300), 0
        while done < n and time.monotonic() < deadline:
            step = min(1000, n - done)
            await noop.batch_defer_async(*({'t': 0} for _ in range(step)))
            done += step
        return done


if __name__ == '__main__':
    started = time.monotonic()
    added = asyncio.run(produce(int(sys.argv[1])))
    print(f'added {added} {time.monotonic() - started:.6f}', flush=True)
