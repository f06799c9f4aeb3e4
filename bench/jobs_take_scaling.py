#!/usr/bin/env python
"""Cost of one take in the jobs memory persistence with 1k, 100k and 1M jobs queued, and RSS per 1M
queued jobs. The take pops a per-type heap: the 1M figure should stay within 1.5x of the 1k one.
Run: .venv/bin/python bench/jobs_take_scaling.py [--takes N] [--sizes 1000,100000,1000000]
"""
import argparse
import gc
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from service_background.common.data import clock  # noqa: E402
from service_background.jobs.data.version1 import JobV1  # noqa: E402
from service_background.jobs.data.version1 import job_transitions as rules  # noqa: E402
from service_background.jobs.persistence import JobsMemoryPersistence  # noqa: E402


def rss_mb() -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def fill(size: int) -> JobsMemoryPersistence:
    store = JobsMemoryPersistence()
    store.open(None)
    now = clock.now()
    for i in range(size):
        created = clock.add_ms(now, -size + i)
        # create() copies like every write; typical jobs: small params, 4 priorities, 4 types
        store.create(None, JobV1(id=str(uuid.uuid4()), type=f'type{i % 4}', params={'n': i}, priority=i % 4,
                                 max_retries=10 ** 9, created=created, not_before=created))
    return store


def measure(size: int, takes: int) -> tuple:
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    store = fill(size)
    fill_time = time.perf_counter() - start
    gc.collect()
    grown = rss_mb() - before
    now = clock.now()
    spent = 0.0
    for i in range(takes):
        start = time.perf_counter()
        job = store.take(None, f'type{i % 4}', now, 60000, 60000)
        spent += time.perf_counter() - start
        # put it back (untimed) so every take sees the same queue size
        store.modify(None, job.id, lambda j: rules.release(j, now, None, None))
    per_take = spent / takes
    store.close(None)
    return per_take, grown, fill_time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--takes', type=int, default=20000)
    parser.add_argument('--sizes', default='1000,100000,1000000')
    args = parser.parse_args()
    results = {}
    for size in [int(s) for s in args.sizes.split(',')]:
        takes = args.takes
        per_take, grown, fill_time = measure(size, takes)
        results[size] = per_take
        print(f'{size:>9,} queued: {per_take * 1e6:7.1f} us per take ({takes} takes), '
              f'RSS +{grown:8.1f} MB (= {grown * 1_000_000 / size:7.0f} MB per 1M jobs), filled in {fill_time:.1f} s')
    sizes = sorted(results)
    print(f'take cost {sizes[-1]:,} / {sizes[0]:,}: {results[sizes[-1]] / results[sizes[0]]:.2f}x (goal: <= 1.5x)')


if __name__ == '__main__':
    main()
