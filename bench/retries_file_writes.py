#!/usr/bin/env python
"""Writes/s of the retries file persistence with 1k and 100k records already stored.

The journal makes a write O(1): the two figures should be within 2x of each other.
Run: .venv/bin/python bench/retries_file_writes.py [--writes N] [--no-fsync]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from pip_services3_commons.config import ConfigParams  # noqa: E402

from service_background.common.data import clock  # noqa: E402
from service_background.retries.persistence import RetriesFilePersistence  # noqa: E402


def open_store(path: str, fsync: bool) -> RetriesFilePersistence:
    store = RetriesFilePersistence()
    store.configure(ConfigParams.from_tuples('path', path, 'options.fsync', fsync))
    store.open(None)
    return store


def measure(size: int, writes: int, fsync: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, 'retries.json')
        store = open_store(path, False)
        now = clock.now()
        expires = clock.add_ms(now, 3600000)
        for i in range(size):
            store.add_attempt(None, 'bench', f'seed{i}', now, expires)
        store.close(None)
        store = open_store(path, fsync)  # reopen: the seed records are in the snapshot now
        start = time.perf_counter()
        for i in range(writes):
            store.add_attempt(None, 'bench', f'seed{i % size}', now, expires)
        elapsed = time.perf_counter() - start
        store.close(None)
        return writes / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--writes', type=int, default=3000)
    parser.add_argument('--no-fsync', action='store_true')
    args = parser.parse_args()
    fsync = not args.no_fsync
    results = {}
    for size in (1_000, 100_000):
        results[size] = measure(size, args.writes, fsync)
        print(f'store of {size:>7,} records: {results[size]:>9,.0f} writes/s ({args.writes} writes, fsync={fsync})')
    print(f'ratio 1k/100k: {results[1_000] / results[100_000]:.2f}x (goal: within 2x)')


if __name__ == '__main__':
    main()
