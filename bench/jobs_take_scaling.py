#!/usr/bin/env python
"""Cost of one take in the jobs memory persistence with 1k, 100k and 1M jobs queued, and RSS per 1M
queued jobs. The take pops a per-type heap: the 1M figure should stay within 1.5x of the 1k one. --groups N: every
job with a group_key of N groups (fair queues), e.g. --groups 10000.
Run: .venv/bin/python bench/jobs_take_scaling.py [--takes N] [--sizes 1000,100000,1000000] [--groups N]
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


def fill(size: int, groups: int) -> JobsMemoryPersistence:
    store = JobsMemoryPersistence()
    store.open(None)
    now = clock.now()
    for i in range(size):
        created = clock.add_ms(now, -size + i)
        # create() copies like every write; typical jobs: small params, 4 priorities, 4 types
        store.create(None, JobV1(id=str(uuid.uuid4()), type=f'type{i % 4}', params={'n': i}, priority=i % 4,
                                 max_retries=10 ** 9, created=created, not_before=created,
                                 group_key=f'g{i % groups}' if groups else None))
    return store


def measure(size: int, takes: int, groups: int) -> tuple:
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    store = fill(size, groups)
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
    parser.add_argument('--groups', type=int, default=0, help='a group_key on every job, of N groups')
    args = parser.parse_args()
    results = {}
    for size in [int(s) for s in args.sizes.split(',')]:
        takes = args.takes
        per_take, grown, fill_time = measure(size, takes, args.groups)
        results[size] = per_take
        print(f'{size:>9,} queued: {per_take * 1e6:7.1f} us per take ({takes} takes), '
              f'RSS +{grown:8.1f} MB (= {grown * 1_000_000 / size:7.0f} MB per 1M jobs), filled in {fill_time:.1f} s')
    sizes = sorted(results)
    groups = f' in {args.groups:,} groups' if args.groups else ''
    ratio = results[sizes[-1]] / results[sizes[0]]
    print(f'take cost {sizes[-1]:,} / {sizes[0]:,}{groups}: {ratio:.2f}x (goal: <= 1.5x)')


if __name__ == '__main__':
    main()
