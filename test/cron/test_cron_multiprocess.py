"""Exactly once across processes: 3 bin/run.py processes on one MongoDB-wire server fire 20
`@every 1s` jobs at a local target; one is killed -9 halfway. Every (job, planned time) is hit at
most once, and each job's planned times run on with at most a period's gap."""
import time
from collections import Counter

import requests

from ..helpers import unique_name
from .service_process import ServiceProcess
from .target_server import TargetServer

JOBS = 20
RUN_S = 10


def _post(url, path, body):
    r = requests.post(url + path, json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_three_processes_fire_each_run_exactly_once_and_survive_a_kill(mongo_uri):
    env = dict(MONGO_ENABLED='true', MONGO_SERVICE_URI=mongo_uri, MONGO_DB=unique_name('cronmp'))
    services = [ServiceProcess(**env).start() for _ in range(3)]
    try:
        for service in services:
            service.wait_ready()
        with TargetServer() as target:
            urls = [s.url for s in services]
            _post(urls[0], '/v1/register/group', {'group_name': 'MP'})
            jobs = [_post(urls[i % 3], '/v1/add/job', {  # added on every process, the doomed one too
                'group_name': 'MP', 'name': f'j{i}', 'exec_time': 0, 'request_url': f'HTTP@{target.url}/hit',
                'interval_pattern': '@every 1s', 'timeout': 2})['job_id'] for i in range(JOBS)]
            time.sleep(RUN_S / 2)
            # an edit on the doomed process just before it dies must reach the others (watcher, < 2 s)
            late = _post(urls[0], '/v1/add/job', {
                'group_name': 'MP', 'name': 'late', 'exec_time': round(time.time() + 1, 3),
                'request_url': f'HTTP@{target.url}/late', 'interval_pattern': '@every 1s', 'timeout': 2})
            services[0].kill()
            killed_at = time.time()
            late_hits = target.wait_for('/late', 1, timeout=5)
            assert late_hits and late_hits[0].at - killed_at < 3, 'a survivor fired the new job late or never'
            time.sleep(max(0.0, killed_at + RUN_S / 2 - time.time()))
            for job_id in jobs + [late['job_id']]:  # stop firing (through a survivor), then let the last runs land
                _post(urls[1], '/v1/pause/job', {'group_name': 'MP', 'job_id': job_id})
            time.sleep(1.5)
            calls = target.calls_to('/hit')
    finally:
        for service in services:
            service.stop()

    hits = Counter((c.query['job_id'], round(float(c.headers['X-Cron-Plan-Time']) * 1000)) for c in calls)
    duplicates = {k: n for k, n in hits.items() if n > 1}
    missing, after_kill = {}, 0
    for job_id in jobs:
        planned = sorted(p for j, p in hits if j == job_id)
        assert planned, f'job {job_id} never fired'
        steps = [b - a for a, b in zip(planned, planned[1:])]
        assert all(s % 1000 == 0 for s in steps), steps  # one phase: the same schedule everywhere
        missing[job_id] = sum(s // 1000 - 1 for s in steps)
        fired_on = sum(1 for p in planned if p / 1000 > killed_at + 1)
        assert fired_on >= RUN_S / 2 - 3, f'job {job_id} stopped with the killed process'
        after_kill += fired_on
    print(f'\nmulti-process: {len(calls)} hits, {len(hits)} distinct (job, planned) pairs, '
          f'{len(duplicates)} duplicates, {sum(missing.values())} missed slots '
          f'(max {max(missing.values())} per job), {after_kill} runs after the kill')
    assert not duplicates, duplicates
    assert all(n <= 1 for n in missing.values()), missing  # at most one period lost around the kill
    assert len(hits) >= JOBS * (RUN_S - 2)
