"""Running jobs seen and steered through a real worker process (the CLI) and the real service on memory, file
and MongoDB: cancel of an async and a sync handler, a handler that ignores its cancel, progress and log lines,
the trace parent, the worker on get_workers until kill -9."""
import os
import signal

import pytest

from ..helpers import running_container, unique_name
from .conftest import events, start_worker, stop_process, wait_until

TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
HANDLERS = ('wait_cancel', 'poll_cancel', 'ignore_cancel', 'report')


@pytest.fixture(scope='module', params=['memory', 'file', 'mongodb'])
def service(request, tmp_path_factory):
    """The container on each store in turn (leases swept every 200 ms so lease tests are quick)."""
    stores = {'memory': {'MEMORY_ENABLED': 'true'}, 'file': {'DATA_DIR': str(tmp_path_factory.mktemp('data'))}}
    params = stores.get(request.param) or {
        'MONGO_ENABLED': 'true',
        'MONGO_SERVICE_URI': request.getfixturevalue('mongo_uri').rstrip('/') + '/' + unique_name('db')}
    with running_container(JOBS_LEASE_INTERVAL='200', **params) as url:
        yield url


@pytest.fixture(scope='module')
def worker(service, tmp_path_factory):
    """One worker process for the module's handlers; a fast heartbeat so cancels arrive quickly."""
    folder = tmp_path_factory.mktemp('running')
    log, stderr = folder / 'runs.log', folder / 'stderr.log'
    args = [arg for name in HANDLERS for arg in ('--type', f'{name}=test.worker.handlers:{name}')]
    process = start_worker(service, log, *args, '--concurrency', '4', '--heartbeat', '0.3', '--grace', '1',
                           stderr_path=stderr, WORKER_TEST_SLEEP='4')
    yield process, log, stderr
    stop_process(process)


def _status(jobs, job_id):
    return jobs.get_job_by_id(None, job_id).status


def _started(jobs, log, job_id):
    wait_until(lambda: events(log, 'start')[job_id] == 1 and _status(jobs, job_id) == 'running', 20,
               what='the handler running')


@pytest.mark.parametrize('job_type', ['wait_cancel', 'poll_cancel'])
def test_cancel_reaches_a_running_handler(worker, jobs, job_type):
    process, log, _ = worker
    job = jobs.add_job(None, {'type': job_type, 'timeout': 60000, 'max_retries': 3})
    _started(jobs, log, job.id)

    requested = jobs.cancel_job(None, job.id, 'no longer needed')
    assert requested.status == 'running' and requested.cancel_requested is True

    # the lease is a minute long: only the worker's own report can end the job this soon
    wait_until(lambda: _status(jobs, job.id) == 'cancelled', 5, what='the worker reported cancel')
    assert events(log, 'cancelled')[job.id] == 1, 'the handler saw its cancel'
    assert events(log, 'end')[job.id] == 0
    stored = jobs.get_job_by_id(None, job.id)
    assert stored.retries == 1 and stored.cancel_reason == 'no longer needed'
    attempt = stored.attempts[-1]
    assert attempt['outcome'] == 'cancelled' and attempt['worker_id'].split(':')[1] == str(process.pid)


def test_handler_ignoring_its_cancel_ends_with_its_lease(worker, jobs):
    _, log, stderr = worker
    job = jobs.add_job(None, {'type': 'ignore_cancel', 'timeout': 1500, 'max_retries': 3})
    _started(jobs, log, job.id)
    jobs.cancel_job(None, job.id)
    # the worker stops extending; the service cancels the job when the lease runs out
    wait_until(lambda: _status(jobs, job.id) == 'cancelled', 10, what='cancelled at the lease end')
    cancelled = jobs.get_job_by_id(None, job.id)
    wait_until(lambda: events(log, 'end')[job.id] == 1, 10, what='the handler ran to its end')
    wait_until(lambda: f'job {job.id}: cancel not applied: ' in stderr.read_text(), 5,
               what="the worker's late report refused")
    later = jobs.get_job_by_id(None, job.id)
    assert later.status == 'cancelled' and later.completed == cancelled.completed and later.retries == 1
    assert events(log, 'start')[job.id] == 1, 'never handed out again'


def test_progress_and_log_lines_reach_the_job(worker, jobs):
    job = jobs.add_job(None, {'type': 'report', 'params': {'lines': 5, 'hold': 1.5},
                              'trace_context': {'traceparent': TRACEPARENT}})
    # while it runs: the progress and the lines so far, shipped within the throttle interval
    running = wait_until(lambda: _with_progress(jobs, job.id, 50.0), 10, what='progress while running')
    assert running.status == 'running' and running.progress_message == 'half way'
    lines = wait_until(lambda: jobs.get_job_log(None, job.id)['lines'], 5, what='log lines while running')
    assert lines[0]['message'] == f'line 0 of {job.id}' and lines[0]['level'] == 'info'

    wait_until(lambda: _status(jobs, job.id) == 'done', 10, what='done')
    done = jobs.get_job_by_id(None, job.id)
    assert done.progress == 100.0 and done.progress_message == 'done', 'the last progress went before the outcome'
    assert done.result == {'traceparent': TRACEPARENT}
    page = jobs.get_job_log(None, job.id)
    assert [line['message'] for line in page['lines']] == [f'line {n} of {job.id}' for n in range(5)] + ['careful']
    assert page['lines'][-1]['level'] == 'warning' and page['total'] == 6 and page['dropped'] == 0


def _with_progress(jobs, job_id, progress):
    job = jobs.get_job_by_id(None, job_id)
    return job if job.progress == progress else None


def test_worker_listed_while_alive_and_gone_after_kill(service, jobs, tmp_path):
    log = tmp_path / 'runs.log'
    process = start_worker(service, log, '--type', 'listed=test.worker.handlers:ignore_cancel',
                           '--concurrency', '3', '--heartbeat', '0.3', '--grace', '0', WORKER_TEST_SLEEP='20')
    try:
        job = jobs.add_job(None, {'type': 'listed', 'timeout': 60000})
        listed = wait_until(lambda: _listed(jobs, process.pid, job.id), 20, what='the worker listed with its job')
        assert listed['types'] == ['listed'] and listed['concurrency'] == 3
        assert listed['busy'] == 1 and listed['idle'] == 2 and listed['heartbeat_ms'] == 300
        assert listed['host'] and listed['id'].startswith(f'{listed["host"]}:{process.pid}:')
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        wait_until(lambda: not any(w['pid'] == process.pid for w in jobs.get_workers(None)), 10,
                   what='the dead worker off the list (three heartbeats)')
    finally:
        stop_process(process)


def _listed(jobs, pid, job_id):
    for worker in jobs.get_workers(None):
        if worker['pid'] == pid and job_id in worker['running']:
            return worker
    return None
