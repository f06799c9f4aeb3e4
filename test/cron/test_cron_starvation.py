"""Cron never starves: 40 slow HTTP@ runs do not delay a fast job's firing; a run
due while the job is still running is skipped and recorded as skipped. A run that cannot start within
the grace period is recorded as missed (runner unit test below)."""
import json
import time

import requests

from service_background.cron.logic.cron_runner import CronRunner

from ..helpers import running_container, unique_name
from .conftest import add_job
from .target_server import TargetServer

SLOW = 40


def test_forty_slow_http_runs_do_not_delay_a_fast_job():
    with TargetServer() as target, \
            running_container(MEMORY_ENABLED='true', CRON_REPLY_URL=target.url + '/reply') as url:
        group = unique_name('g')[:22]
        assert requests.post(f'{url}/v1/register/group', json={'group_name': group}, timeout=10).status_code == 200
        for i in range(SLOW):
            add_job(url, group, f'HTTP@{target.url}/slow/6', '@every 1s', name=f'slow{i}', timeout=10)
        target.wait_for('/slow/6', SLOW, timeout=10)  # every slow job is in flight
        start = time.time()
        add_job(url, group, f'HTTP@{target.url}/fast', '@every 1s', name='fast', timeout=2)
        calls = target.wait_for('/fast', 4, timeout=10)
        lateness = [call.at - float(call.headers.get('X-Cron-Plan-Time') or call.at) for call in calls]
        print(f'fast job lateness with {SLOW} slow HTTP@ runs in flight: '
              f'{", ".join(f"{x * 1000:.0f} ms" for x in lateness)}')
        assert max(lateness) < 0.5, lateness
        assert time.time() - start < 8
        # the slow jobs' runs due while they were still running: skipped and recorded (reply hook)
        deadline = time.time() + 10
        while time.time() < deadline:
            statuses = [json.loads(c.body).get('status') for c in target.calls_to('/reply') if c.body]
            if 'skipped' in statuses:
                break
            time.sleep(0.1)
        assert 'skipped' in statuses


class _Jobs:
    shared = False

    def __init__(self, job):
        self.job = job
        self.claims = []

    def claim_run(self, cid, group, job_id, planned, next_run, last_run):
        self.claims.append(last_run)
        return self.job

    def get_active_jobs(self, cid):
        return []


class _Runs:
    def __init__(self):
        self.runs = []

    def add_run(self, cid, run, size):
        self.runs.append(run)
        return run


def test_a_run_that_cannot_start_in_time_is_recorded_as_missed_not_run():
    from pip_services3_components.log import CompositeLogger

    from service_background.cron.data.version1 import CronJobV1
    job = CronJobV1(group_name='g', job_id='j', name='n', request_url='HTTP@http://127.0.0.1:1/',
                    interval_pattern='@every 1s', timeout=1)
    jobs, runs = _Jobs(job), _Runs()
    jobs.set_last_result = lambda *args: None
    executed = []

    class _Executors:
        def get(self, url):
            class E:
                def execute(self, execution):
                    executed.append(execution)
            return E()
    runner = CronRunner(jobs, None, runs, _Executors(), CompositeLogger(), missed_grace_ms=200)
    now = int(time.time() * 1000)
    runner._run(('g', 'j'), now - 5000, now + 1000)
    assert executed == [] and [r.status for r in runs.runs] == ['missed'] and jobs.claims == [None]


def test_group_cache_is_bounded_and_never_holds_unknown_names():
    from service_background.cron.data.version1 import CronGroupV1
    from service_background.cron.logic.group_cache import GROUP_CACHE_SIZE, GroupCache

    class _Groups:
        def get_group(self, cid, name):
            return CronGroupV1(group_name=name) if name.startswith('known') else None
    cache = GroupCache(_Groups())
    for i in range(5000):
        assert cache.get(f'unknown{i}') == (None, None)
    assert len(cache) == 0
    for i in range(GROUP_CACHE_SIZE + 500):
        assert cache.get(f'known{i}')[0].group_name == f'known{i}'
    assert len(cache) == GROUP_CACHE_SIZE
    assert 'known0' not in cache and f'known{GROUP_CACHE_SIZE + 499}' in cache


def test_a_run_due_while_the_previous_one_goes_on_runs_when_it_ends_within_the_grace():
    """The first run takes 1.2 s; the one planned 1 s after it waits behind it and runs 0.2 s late
    (not skipped); none runs while another is going."""
    import threading

    from pip_services3_components.log import CompositeLogger

    from service_background.common.data.clock import now_ms
    from service_background.cron.data.version1 import CronJobV1
    from service_background.cron.logic import ExecutionResult
    from service_background.cron.logic.interval_patterns import parse_schedule
    job = CronJobV1(group_name='g', job_id='j', name='n', request_url='HTTP@http://127.0.0.1:1/',
                    interval_pattern='@every 1s', timeout=5)
    jobs, runs = _Jobs(job), _Runs()
    jobs.set_last_result = lambda *args: None
    started, lock = [], threading.Lock()

    class _Executors:
        def get(self, url):
            class E:
                def execute(self, execution):
                    with lock:
                        started.append((execution.planned_ms, now_ms()))
                        first = len(started) == 1
                    time.sleep(1.2 if first else 0.05)
                    return ExecutionResult(True, 200)
            return E()

    class _Groups:
        def get_group(self, cid, name):
            return None
    runner = CronRunner(jobs, _Groups(), runs, _Executors(), CompositeLogger())
    runner.start()
    try:
        base = now_ms() + 100
        runner.scheduler.schedule(('g', 'j'), base, parse_schedule('@every 1s'))
        time.sleep(1.6)
    finally:
        runner.stop()
    assert [p for p, _ in started[:2]] == [base, base + 1000], started
    assert started[1][1] - started[0][1] >= 1150  # it waited for the first to end
    assert [r.status for r in runs.runs][:2] == ['ok', 'ok']
