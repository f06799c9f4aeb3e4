#!/usr/bin/env python
"""psycopg 3 (+ psycopg-pool) against asyncpg and pip-services3-postgres on a throwaway PostgreSQL cluster like the
tests' one: single-row INSERT ... RETURNING and a FOR UPDATE SKIP LOCKED take of one row, 1 and 8 concurrent callers.

Prints ops/s and the client's CPU per op for: psycopg from threads (how the service's stores run: sync,
called under locks or from a thread pool), asyncpg from coroutines on its own loop (its best case), asyncpg
called from threads through a loop thread (what the stores would need to use it), pip-services3-postgres's
driver psycopg2 from threads with the pool the package opens and with that pool class keeping its connections,
and the package's IdentifiablePostgresPersistence doing the INSERT through ``create`` (its layer: SQL built per
call, a transaction per statement, RETURNING * turned into an object). Ratios are psycopg's over each row; calls
that raised are counted under their row.
"Fit" here: the service's stores are sync and called from threads, and need SKIP LOCKED takes, versioned
migrations and a read deadline; pip-services3-postgres's base is generic CRUD with none of those three, so only
its driver could serve the stores' own SQL. asyncpg and pip-services3-postgres are installed into this venv for
the bench only; when the latter does not install or import, the output says so and its rows are left out.
Run: .venv/bin/python bench/postgres_drivers.py [--ops 2000]
"""
import argparse
import asyncio
import os
import resource
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'bench'))

from test.postgres_server import PostgresServer  # noqa: E402

from benchlib import ensure_pip, ratio  # noqa: E402

asyncpg = ensure_pip('asyncpg', 'asyncpg>=0.29,<0.33')
import psycopg  # noqa: E402
from psycopg_pool import ConnectionPool  # noqa: E402

try:  # its own module: the package runs on psycopg2, which may not install or import on this Python
    import postgres_driver_pip as pip_postgres
    PIP_MISSING = None
except Exception as error:  # any failure only leaves its rows out
    pip_postgres, PIP_MISSING = None, f'{type(error).__name__}: {error}'

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


def _threads(callers: int, ops: int, one, failures: Counter):
    """Makes ``ops`` calls of ``one`` from ``callers`` threads; a call that raises is counted, not retried."""
    lock = threading.Lock()

    def caller(n):
        for _ in range(ops // callers):
            try:
                one(n)
            except Exception as error:  # a row that fails under load is a result to print
                with lock:
                    failures[f'{type(error).__name__}: {error}'.strip()] += 1
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(caller, range(callers)))


def from_threads(opener):
    """A row whose ``opener(uri, callers, sql, args)`` gives (one call, close), the calls made from threads."""
    def run(uri: str, callers: int, ops: int, sql: str, args) -> tuple:
        one, close = opener(uri, callers, sql, args)
        failures = Counter()
        try:
            return (*_measure(lambda: _threads(callers, ops, one, failures), ops), failures)
        finally:
            close()
    return run


def psycopg_pool(uri: str, callers: int, sql: str, args):
    pool = ConnectionPool(uri, min_size=callers, max_size=callers, kwargs={'autocommit': True}, open=False)
    pool.open(wait=True)
    query = sql.format('%s', '%s')

    def one(_):
        with pool.connection() as conn:
            conn.execute(query, args).fetchone()
    return one, pool.close


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
        result = ops / (time.perf_counter() - started), (_cpu() - cpu) / ops * 1e6, Counter()
        await pool.close()
        return result
    return asyncio.run(main())


def asyncpg_loop_thread(uri: str, callers: int, sql: str, args):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    pool = asyncio.run_coroutine_threadsafe(_asyncpg_pool(uri, callers), loop).result()
    query = sql.format('$1', '$2')

    def one(_):
        asyncio.run_coroutine_threadsafe(pool.fetchrow(query, *args), loop).result()

    def close():
        asyncio.run_coroutine_threadsafe(pool.close(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
    return one, close


BOTH, INSERT_ONLY = ('insert', 'take'), ('insert',)
DRIVERS = [('psycopg 3 + pool, threads', from_threads(psycopg_pool), BOTH),
           ('asyncpg, coroutines', asyncpg_coroutines, BOTH),
           ('asyncpg from threads', from_threads(asyncpg_loop_thread), BOTH)]
if pip_postgres:
    DRIVERS += [('psycopg2 + its pool, threads', from_threads(pip_postgres.psycopg2_its_pool), BOTH),
                ('psycopg2 + kept pool, threads', from_threads(pip_postgres.psycopg2_kept_pool), BOTH),
                ('its persistence create', from_threads(pip_postgres.persistence_create), INSERT_ONLY)]


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
              f'asyncpg {asyncpg.__version__}, ' + (pip_postgres.versions() if pip_postgres else
                                                    f'pip-services3-postgres not measured ({PIP_MISSING})'))
        print(f'{"operation":<8} {"callers":>7}  {"driver":<29} {"ops/s":>8} {"CPU µs/op":>10}  psycopg/this')
        for op, sql in (('insert', INSERT), ('take', TAKE)):
            for callers in (1, 8):
                results = []
                for index, (name, run, measured) in enumerate(DRIVERS):
                    if op not in measured:
                        continue
                    queue = f'q{index}'  # each driver takes the rows it inserted
                    args = (queue, PAYLOAD) if op == 'insert' else (queue,)
                    results.append((name, run(uri, callers, options.ops, sql, args)))
                base = results[0][1]
                for name, (rate, cpu, failures) in results:
                    print(f'{op:<8} {callers:>7}  {name:<29} {rate:8.0f} {cpu:10.1f}  '
                          f'rate {ratio(base[0], rate)}, CPU {ratio(base[1], cpu)}')
                    for failure, count in failures.items():
                        print(f'{"":<18}{count} of {options.ops} calls raised {failure}')
    finally:
        server.stop()


if __name__ == '__main__':
    main()
