"""Fire lateness of the cron scheduler: N `@every` schedules on the memory persistences, firing into
a no-op executor through the real controller, runner and worker pool. Prints p50/p99 lateness (time
the executor is called minus the planned time) and the idle CPU of the process with the jobs paused.

    .venv/bin/python bench/cron_lateness.py [--sizes 10000,100000] [--period 10] [--seconds 12] [--gc-gen2 N]

Most of the p99 is CPython's full (gen2) garbage collections walking every job object: --gc-gen2 1000000
defers them (gc.set_threshold(700, 10, N)) to show the scheduler's own lateness; --as-loaded measures the
schedules as a service started on them holds them (collected once and frozen, as BackgroundProcess.open does).
"""
import argparse
import gc
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src'))

from pip_services3_commons.config import ConfigParams  # noqa: E402
from pip_services3_commons.refer import Descriptor, References  # noqa: E402

from service_background.cron.logic import CronController, ExecutionResult, ICronExecutor  # noqa: E402
from service_background.cron.persistence import (  # noqa: E402
    CronGroupsMemoryPersistence,
    CronJobsMemoryPersistence,
    CronRunsMemoryPersistence,
)


class NoopExecutor(ICronExecutor):
    """Serves HTTP@ and only records how late it was called."""

    def __init__(self):
        self.lateness = []
        self._lock = threading.Lock()

    @property
    def prefix(self):
        return 'HTTP@'

    def validate(self, job):
        pass

    def execute(self, execution):
        late = time.time_ns() // 1_000_000 - execution.planned_ms
        with self._lock:
            self.lateness.append(late)
        return ExecutionResult(True, 200)


def _controller(executor):
    controller = CronController()
    controller.configure(ConfigParams.from_tuples('options.workers', 8, 'options.history_size', 3))
    references = References.from_tuples(
        Descriptor('service-background-cron', 'persistence-groups', 'memory', 'default', '1.0'),
        CronGroupsMemoryPersistence(),
        Descriptor('service-background-cron', 'persistence-jobs', 'memory', 'default', '1.0'),
        CronJobsMemoryPersistence(),
        Descriptor('service-background-cron', 'persistence-runs', 'memory', 'default', '1.0'),
        CronRunsMemoryPersistence(),
        Descriptor('service-background-cron', 'executor', 'noop', 'default', '1.0'), executor)
    controller.set_references(references)
    controller.open(None)
    return controller


def _percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float('nan')


def run(size: int, period: int, seconds: float, as_loaded: bool = False):
    executor = NoopExecutor()
    controller = _controller(executor)
    controller.register_group(None, 'bench')
    now = int(time.time()) + 2 + size // 20000
    ids = []
    started = time.time()
    for i in range(size):
        # phases spread evenly over the period, as jobs created at different times have them
        job = controller.add_job(None, {'group_name': 'bench', 'job_id': f'j{i}', 'name': f'j{i}',
                                        'exec_time': round(now + i * period / size, 3),
                                        'request_url': 'HTTP@http://noop/',
                                        'interval_pattern': f'@every {period}s', 'timeout': 1})
        ids.append(job.job_id)
    added = time.time() - started
    if as_loaded:
        # what BackgroundProcess.open does after loading stored schedules: the survivors of one collection
        # move out of the collector's sight, so later full collections do not walk them
        gc.collect()
        gc.freeze()
    executor.lateness.clear()
    time.sleep(max(0.0, now - time.time()))
    time.sleep(seconds)
    fired = list(executor.lateness)
    for job_id in ids:
        controller.pause_job(None, 'bench', job_id)
    time.sleep(1.0)
    cpu0, wall0 = time.process_time(), time.time()
    time.sleep(5.0)
    idle = (time.process_time() - cpu0) / (time.time() - wall0) * 100
    controller.close(None)
    rate = len(fired) / seconds
    print(f'{size:>7} jobs @every {period}s: added in {added:.1f}s; {len(fired)} fires in {seconds:.0f}s '
          f'({rate:.0f}/s); lateness p50 {statistics.median(fired) if fired else float("nan"):.1f} ms, '
          f'p99 {_percentile(fired, 99):.1f} ms, max {max(fired) if fired else float("nan"):.0f} ms; '
          f'idle CPU with all {size} paused: {idle:.2f}%', flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--period', type=int, default=10, help='seconds; 100k jobs use 10x this')
    parser.add_argument('--seconds', type=float, default=12)
    parser.add_argument('--gc-gen2', type=int, default=0, help='gen2 GC threshold (0: CPython default)')
    parser.add_argument('--as-loaded', action='store_true',
                        help='schedules as a restarted service has them (loaded at open, then gc.freeze()); '
                             'without it, as just added by API calls')
    args = parser.parse_args()
    if args.gc_gen2:
        gc.set_threshold(700, 10, args.gc_gen2)
    print(f'gc thresholds {gc.get_threshold()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores')
    for size in (int(s) for s in args.sizes.split(',')):
        # 100k at a 10 s period would be 10k fires/s, past what one CPython process executes
        run(size, args.period * max(1, size // 10000), args.seconds, args.as_loaded)
        gc.unfreeze()


if __name__ == '__main__':
    main()
