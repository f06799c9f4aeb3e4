"""Queue limits under load: 8 worker processes on one queue with concurrency 3 never see more than
3 running at once (sampled by the workers' own start/finish stamps), on the file store, and on MongoDB
and on PostgreSQL with two service processes; a rate of 100 per second hands out at most 100 per window.

Scaled down for the 2-core test machine: 90 jobs of 30 ms for the concurrency runs, and 2.5 s (not
5 s) of a 100/s rate."""
import json
import os
import subprocess
import sys
import time
from datetime import datetime

import pytest
import requests

from ..cron.service_process import ServiceProcess
from ..helpers import ROOT, unique_name

WORKERS = 8
JOBS = 90


def _services(tmp_path, mongo_uri, count, postgres_uri=None):
    env = dict(JOBS_DISABLED='', LOG_LEVEL='error', DATA_DIR=str(tmp_path / 'data'))
    if mongo_uri:
        env.update(MONGO_ENABLED='true', MONGO_SERVICE_URI=mongo_uri, MONGO_DB=unique_name('limits'))
    elif postgres_uri:
        env.update(POSTGRES_ENABLED='true', POSTGRES_SERVICE_URI=postgres_uri,
                   POSTGRES_TABLE_PREFIX=unique_name('limits') + '_')
    services = [ServiceProcess(**env) for _ in range(count)]
    for service in services:
        service.env.pop('JOBS_DISABLED', None)
        service.start()
    for service in services:
        service.wait_ready()
    return services


def _run_workers(tmp_path, queue, work_s, urls):
    out = tmp_path / f'{queue}.jsonl'
    worker = os.path.join(ROOT, 'test', 'jobs', 'limit_worker.py')
    processes = [subprocess.Popen([sys.executable, worker, str(out), queue, str(work_s), '3',
                                   *(urls[i % len(urls):] + urls[:i % len(urls)])]) for i in range(WORKERS)]
    for process in processes:
        assert process.wait(120) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def _max_overlap(records):
    events = sorted([(r['start'], 1) for r in records] + [(r['finish'], -1) for r in records])
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def _check_concurrency(tmp_path, services):
    urls = [s.url for s in services]
    r = requests.post(f'{urls[0]}/v1/jobs/set_queue_limits', json={'type': 'lim', 'concurrency': 3}, timeout=10)
    assert r.status_code == 200, r.text
    time.sleep(1.2)  # the other process reads the limits within options.refresh_interval (1 s)
    requests.post(f'{urls[0]}/v1/jobs/add_jobs', json={'new_jobs': [{'type': 'lim'}] * JOBS},
                  timeout=30).raise_for_status()
    records = _run_workers(tmp_path, 'lim', 0.03, urls)
    assert len({r['id'] for r in records}) == JOBS
    peak = _max_overlap(records)
    print(f'concurrency 3: {JOBS} jobs, peak {peak} running')
    assert peak == 3


def _check_rate(tmp_path, services, seconds=2.5):
    urls = [s.url for s in services]
    requests.post(f'{urls[0]}/v1/jobs/set_queue_limits',
                  json={'type': 'rate', 'rate': {'limit': 100, 'period_ms': 1000}}, timeout=10).raise_for_status()
    time.sleep(1.2)
    jobs = int(100 * seconds)
    requests.post(f'{urls[0]}/v1/jobs/add_jobs', json={'new_jobs': [{'type': 'rate'}] * jobs},
                  timeout=30).raise_for_status()
    records = _run_workers(tmp_path, 'rate', 0.0, urls)
    assert len(records) == jobs
    windows = {}
    for r in records:
        second = int(datetime.fromisoformat(r['started'].replace('Z', '+00:00')).timestamp())
        windows[second] = windows.get(second, 0) + 1
    print(f'rate 100/s: per window {sorted(windows.items())}')
    assert max(windows.values()) <= 100 and len(windows) >= seconds


def test_concurrency_and_rate_on_file(tmp_path):
    services = _services(tmp_path, None, 1)
    try:
        _check_concurrency(tmp_path, services)
        _check_rate(tmp_path, services)
    finally:
        for service in services:
            service.stop()


@pytest.mark.parametrize('database', ['mongodb', 'postgres'])
def test_concurrency_and_rate_with_two_processes_on_one_database(tmp_path, request, database):
    uri = request.getfixturevalue(f'{database}_uri'.replace('mongodb', 'mongo'))
    services = _services(tmp_path, uri if database == 'mongodb' else None, 2, uri if database == 'postgres' else None)
    try:
        _check_concurrency(tmp_path, services)
        _check_rate(tmp_path, services)
    finally:
        for service in services:
            service.stop()
