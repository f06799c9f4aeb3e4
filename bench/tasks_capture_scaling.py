#!/usr/bin/env python
"""Cost of capture(limit=100) on the tasks memory persistence with 1k, 100k and 1M tasks in the namespace.

Each namespace keeps a queue of its capturable tasks, so a capture never scans: the 1M figure should
stay within 1.5x of the 1k one. Every round captures 100 tasks and releases them idle (they queue up
again at the back), so the namespace keeps its size; only the capture is timed.
Run: .venv/bin/python bench/tasks_capture_scaling.py [--rounds N] [--sizes 1000,100000,1000000]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from service_background.tasks.data.version1 import NamespaceV1, TaskV1  # noqa: E402
from service_background.tasks.persistence import TasksMemoryPersistence  # noqa: E402

LIMIT = 100


def measure(size: int, rounds: int) -> float:
    """Median seconds per capture(limit=100)."""
    store = TasksMemoryPersistence()
    store.open(None)
    store.create_namespace(None, NamespaceV1('bench'))
    store.create_namespace(None, NamespaceV1('noise'))
    for i in range(size):
        # many retries: the small namespace is captured over and over
        store.create_task(None, TaskV1(id=f'task{i}', namespace_id='bench', retries_left=10 ** 9, updated_at=0))
    for i in range(1000):
        store.create_task(None, TaskV1(id=f'noise{i}', namespace_id='noise', updated_at=0))
    timings = []
    for round in range(rounds):
        now = round + 1
        start = time.perf_counter()
        batch = store.capture_tasks(None, 'bench', LIMIT, now)
        timings.append(time.perf_counter() - start)
        assert len(batch) == LIMIT
        store.release_tasks(None, [t.id for t in batch], 'idle', now)
    store.close(None)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--rounds', type=int, default=300)
    parser.add_argument('--sizes', default='1000,100000,1000000')
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    results = {}
    for size in sizes:
        started = time.perf_counter()
        results[size] = measure(size, args.rounds)
        print(f'{size:>9,} tasks: capture(limit={LIMIT}) {results[size] * 1000:7.3f} ms median over '
              f'{args.rounds} rounds ({results[size] / LIMIT * 1e6:.1f} us/task; run took '
              f'{time.perf_counter() - started:.0f} s)', flush=True)
    small, large = results[sizes[0]], results[sizes[-1]]
    print(f'ratio {sizes[-1]:,}/{sizes[0]:,}: {large / small:.2f}x (goal: within 1.5x)')


if __name__ == '__main__':
    main()
