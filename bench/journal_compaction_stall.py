#!/usr/bin/env python
"""How long a compaction stalls the writers of a file persistence (retries store, N records).

Fills the store, then runs a writer thread (single add_attempt calls, each fsynced) while a compaction
is due: reports the writer's latencies (p50, p99, max) across the compaction and how long the
snapshot took in the background; then, for comparison, how long a whole compaction under the lock
(what every writer used to wait for) takes at that size.
Run: .venv/bin/python bench/journal_compaction_stall.py [--size 200000]
"""
import argparse
import os
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from pip_services3_commons.config import ConfigParams  # noqa: E402

from service_background.common.data import clock  # noqa: E402
from service_background.retries.persistence import RetriesFilePersistence  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--size', type=int, default=200_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='compaction-bench-')
    path = os.path.join(folder, 'retries.json')
    store = RetriesFilePersistence(path)
    store.configure(ConfigParams.from_tuples('path', path, 'options.compact_min', 10 ** 9))
    store.open(None)
    now = clock.now()
    later = clock.add_ms(now, 3_600_000)
    for start in range(0, args.size, 10_000):
        store.add_attempts(None, 'bench', [f'id{i}' for i in range(start, min(args.size, start + 10_000))], now, later)
    journal = store._journal
    journal._min_compact = 0  # the next write freezes a generation (size >= store)
    journal._inline_max = 0   # and the snapshot goes to the background thread, as for any large store
    latencies = []
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            begin = time.perf_counter()
            store.add_attempt(None, 'bench', f'id{n % args.size}', now, later)
            latencies.append(time.perf_counter() - begin)
            n += 1
    thread = threading.Thread(target=writer)
    begin = time.perf_counter()
    thread.start()
    while journal._compactor is None:
        time.sleep(0.001)
    journal._min_compact = 10 ** 9
    journal._compactor.join()
    snapshot_s = time.perf_counter() - begin
    time.sleep(0.2)
    stop.set()
    thread.join()
    ms = sorted(x * 1000 for x in latencies)
    print(f'{args.size:,} records: {len(ms)} writes during a compaction of {snapshot_s:.2f} s (background): '
          f'p50 {statistics.median(ms):.2f} ms, p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms, max {ms[-1]:.2f} ms')
    with store._lock:
        begin = time.perf_counter()
        journal.compact(store._items)
        print(f'the same snapshot written under the lock (the old way): {time.perf_counter() - begin:.2f} s '
              f'during which every writer waits')
    store.close(None)


if __name__ == '__main__':
    main()
