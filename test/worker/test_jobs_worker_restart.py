"""The service stopped and restarted (file persistence, same DATA_DIR, same port) under a running
worker: the worker reconnects and finishes the queue."""
import os
import subprocess
import sys

from service_background.jobs.clients.version1 import JobsHttpClientV1

from ..helpers import ROOT, free_port, open_http_client, wait_http
from .conftest import all_jobs, count_jobs, events, start_worker, stop_process, wait_until


def start_service(port: int, data_dir) -> subprocess.Popen:
    env = dict(os.environ, HTTP_HOST='127.0.0.1', HTTP_PORT=str(port), HTTP_FUNC_LISTEN=str(free_port()),
               DATA_DIR=str(data_dir), LOG_LEVEL='error', RETRIES_DISABLED='true', TASKS_DISABLED='true',
               CRON_DISABLED='true', PYTHONPATH=os.path.join(ROOT, 'src'))
    for name in ('MEMORY_ENABLED', 'MONGO_ENABLED', 'JOBS_DISABLED', 'CONFIG_PATH'):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_http(f'http://127.0.0.1:{port}/heartbeat', 30)
    return process


def test_worker_reconnects_after_service_restart(tmp_path):
    port, data_dir, log, worker_log = free_port(), tmp_path / 'data', tmp_path / 'runs.log', tmp_path / 'worker.err'
    url, n = f'http://127.0.0.1:{port}', 150
    service = start_service(port, data_dir)
    worker = None
    try:
        jobs = open_http_client(JobsHttpClientV1, url)
        jobs.add_jobs(None, [{'type': 'restart', 'params': {'n': i}, 'timeout': 60000} for i in range(n)])
        worker = start_worker(url, log, '--type', 'restart=test.worker.handlers:slow', '--concurrency', '4',
                              stderr_path=worker_log, WORKER_TEST_SLEEP='0.02')
        wait_until(lambda: len(events(log, 'end')) >= 30, 20, what='some jobs done')
        assert stop_process(service) == 0  # pending replies fail; the worker backs off
        wait_until(lambda: b'unreachable' in worker_log.read_bytes(), 15, what='the worker noticed')
        service = start_service(port, data_dir)
        wait_until(lambda: count_jobs(jobs, 'restart', 'done') == n, 40, 0.2, 'the queue finished')
        assert worker.poll() is None, 'the worker kept running'
        assert stop_process(worker) == 0
        ends = events(log, 'end')
        assert len(ends) == n and set(ends.values()) == {1}, 'each job handled once'
        assert all(job.status == 'done' and job.result == {'slept': True} for job in all_jobs(jobs, 'restart'))
        text = worker_log.read_text()
        assert text.count('unreachable') == 1 and text.count('answers again') == 1, 'each state change logged once'
    finally:
        if worker is not None:
            stop_process(worker)
        stop_process(service)
