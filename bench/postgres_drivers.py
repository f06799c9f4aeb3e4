#!/usr/bin/env python
"""psycopg 3 (+ psycopg-pool) against asyncpg on a throwaway PostgreSQL cluster like the tests' one:
single-row INSERT ... RETURNING and a FOR UPDATE SKIP LOCKED take of one row, 1 and 8 concurrent callers.

Prints ops/s and the client's CPU per op for: psycopg from threads (how the service's stores run: sync,
called under locks or from a thread pool), asyncpg from coroutines on its own loop (its best case), and
asyncpg called from threads through a loop thread (what the stores would need to use it). Ratios are
psycopg's over each asyncpg row. asyncpg is installed into this venv for the bench only.
Run: .venv/bin/python bench/postgres_drivers.py [--ops 2000]
"""
import argparse
import asyncio
import os
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'bench'))

from test.postgres_server import PostgresServer  # noqa: E402

from benchlib import ensure_pip, ratio  # noqa: E402

asyncpg = ensure_pip('asyncpg', 'asyncpg>=0.29,<0.33')
import psycopg  # noqa: E402
from psycopg_pool import ConnectionPool  # noqa: E402

SCHEMA = ('CREATE TABLE IF NOT EXISTS bench (id bigserial PRIMARY KEY, queue text NOT NULL, state text NOT NULL, '
          "payload text); CREATE INDEX IF NOT EXISTS bench_ready ON bench (queue, id) WHERE state = 'ready'")
INSERT = "INSERT INTO bench (queue, state, payload) VALUES ({0}, 'ready', {1}) RETURNING id"
TAKE = ("UPDATE bench SET state = 'taken' WHERE id = (SELECT id FROM bench WHERE queue = {0} AND state = 'ready' "
        'ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id')
PAYLOAD = '{"args": [1, 2, 3], "note": "a small job"}'


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(run, ops: int):
    """(ops/s, client CPU µs per op) of ``run()``, which makes ``ops`` calls."""
    cpu, started = _cpu(), time.perf_counter()
    run()
    elapsed, spent = time.perf_counter() - started, _cpu() - cpu
    return ops / elapsed, spent / ops * 1e6


def _threads(callers: int, ops: int, one):
    def caller(n):
        for _ in range(ops // callers):
            one(n)
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(caller, range(callers)))


def psycopg_threads(uri: str, callers: int, ops: int, sql: str, args) -> tuple:
    pool = ConnectionPool(uri, min_size=callers, max_size=callers, kwargs={'autocommit': True}, open=False)
    pool.open(wait=True)

    def one(_):
        with pool.connection() as conn:
            conn.execute(sql.format('%s', '%s'), args).fetchone()
    try:
        return _measure(lambda: _threads(callers, ops, one), ops)
    finally:
        pool.close()


async def _asyncpg_pool(uri: str, callers: int):
    return await asyncpg.create_pool(uri, min_size=callers, max_size=callers)


def asyncpg_coroutines(uri: str, callers: int, ops: int, sql: str, args) -> tuple:
    async def main():
        pool = await _asyncpg_pool(uri, callers)

        async def caller():
            for _ in range(ops // callers):
                await pool.fetchrow(sql.format('$1', '$2'), *args)
        cpu, started = _cpu(), time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(callers)))
        result = ops / (time.perf_counter() - started), (_cpu() - cpu) / ops * 1e6
        await pool.close()
        return result
    return asyncio.run(main())


def asyncpg_from_threads(uri: str, callers: int, ops: int, sql: str, args) -> tuple:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    pool = asyncio.run_coroutine_threadsafe(_asyncpg_pool(uri, callers), loop).result()
    query = sql.format('$1', '$2')

    def one(_):
        asyncio.run_coroutine_threadsafe(pool.fetchrow(query, *args), loop).result()
    try:
        return _measure(lambda: _threads(callers, ops, one), ops)
    finally:
        asyncio.run_coroutine_threadsafe(pool.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()


DRIVERS = [('psycopg 3 + pool, threads', psycopg_threads), ('asyncpg, coroutines', asyncpg_coroutines),
           ('asyncpg from threads', asyncpg_from_threads)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--ops', type=int, default=2000, help='calls per measurement')
    options = parser.parse_args()
    server = PostgresServer(own=True)
    uri = server.start()
    try:
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(SCHEMA)
        print(f'# PostgreSQL {server.port} (fsync on), {options.ops} calls each, psycopg {psycopg.__version__}, '
              f'asyncpg {asyncpg.__version__}')
        print(f'{"operation":<8} {"callers":>7}  {"driver":<26} {"ops/s":>8} {"CPU µs/op":>10}  psycopg/this')
        for op, sql in (('insert', INSERT), ('take', TAKE)):
            for callers in (1, 8):
                results = []
                for index, (name, run) in enumerate(DRIVERS):
                    queue = f'q{index}'  # each driver takes the rows it inserted
                    args = (queue, PAYLOAD) if op == 'insert' else (queue,)
                    results.append((name, run(uri, callers, options.ops, sql, args)))
                base = results[0][1]
                for name, (rate, cpu) in results:
                    print(f'{op:<8} {callers:>7}  {name:<26} {rate:8.0f} {cpu:10.1f}  '
                          f'rate {ratio(base[0], rate)}, CPU {ratio(base[1], cpu)}')
    finally:
        server.stop()


if __name__ == '__main__':
    main()
