"""Running jobs over HTTP on the real container (memory, file, MongoDB, PostgreSQL): cancel of queued, delayed,
waiting and running jobs, the worker told through its heartbeat, late outcomes refused, progress, attempts and
the trace context."""
import time

import pytest
import requests
from pip_services3_commons.data import FilterParams

from service_background.jobs.clients.version1 import JobsHttpClientV1

from ..helpers import open_http_client


@pytest.fixture
def client(store_service):
    client = open_http_client(JobsHttpClientV1, store_service)
    yield client
    client.close(None)


def _post(url, command, body):
    return requests.post(f'{url}/v1/jobs/{command}', json=body, timeout=10)


def _take_as(client, worker_id, type, timeout=60000):
    reply = client.report_jobs(None, [], {'type': type, 'limit': 1, 'timeout': timeout},
                               worker={'id': worker_id, 'running': []})
    assert reply['cancel'] == [] and len(reply['jobs']) == 1
    return reply['jobs'][0]


def _wait_status(client, job_id, status, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get_job_by_id(None, job_id)
        if job.status == status:
            return job
        time.sleep(0.05)
    raise AssertionError(f'{job_id} is {job.status}, not {status}')


def test_queued_delayed_and_waiting_jobs_are_cancelled_at_once(client, store_service):
    queued = client.add_job(None, {'type': 'c'})
    delayed = client.add_job(None, {'type': 'c', 'delay': 60000})
    parent = client.add_job(None, {'type': 'p'})
    waiting = client.add_job(None, {'type': 'c', 'depends_on': [parent.id]})
    for job in (queued, delayed, waiting):
        cancelled = client.cancel_job(None, job.id, 'not needed')
        assert cancelled.status == 'cancelled' and cancelled.cancel_reason == 'not needed'
        assert cancelled.completed is not None and not cancelled.cancel_requested
    assert client.start_jobs_by_type(None, 'c', 60000, 10) == []
    again = _post(store_service, 'cancel_job', {'job_id': queued.id})
    assert again.status_code == 409 and again.json()['code'] == 'JOB_FINISHED'
    unknown = _post(store_service, 'cancel_job', {'job_id': 'no-such-job'})
    assert unknown.status_code == 404 and unknown.json()['code'] == 'JOB_NOT_FOUND'
    bad = _post(store_service, 'cancel_job', {'job_id': parent.id, 'reason': 'x' * 1001})
    assert bad.status_code == 400 and client.get_job_by_id(None, parent.id).status == 'queued'


def test_a_running_job_is_cancelled_through_its_worker(client, store_service):
    added = client.add_job(None, {'type': 'r'})
    job = _take_as(client, 'host:1:abc', 'r')
    assert job.id == added.id and job.worker_id == 'host:1:abc'
    heartbeat = {'id': 'host:1:abc', 'running': [job.id]}
    assert client.report_jobs(None, [], None, worker=heartbeat)['cancel'] == []
    asked = client.cancel_job(None, job.id, 'user asked')
    assert asked.status == 'running' and asked.cancel_requested is True and asked.cancel_reason == 'user asked'
    told_at, deadline = None, time.monotonic() + 2
    while told_at is None and time.monotonic() < deadline:  # a heartbeat a tenth of a second
        if client.report_jobs(None, [], None, worker=heartbeat)['cancel'] == [job.id]:
            told_at = time.monotonic()
        time.sleep(0.1)
    assert told_at is not None, 'the worker was not told within 2 s'
    assert 'cancel' not in client.report_jobs(None, [])  # no worker named: no list
    reply = client.report_jobs(None, [{'job_id': job.id, 'lease_token': job.lease_token, 'outcome': 'cancel'}],
                               worker={'id': 'host:1:abc', 'running': []})
    assert reply['results'] == [None]
    cancelled = client.get_job_by_id(None, job.id)
    assert cancelled.status == 'cancelled' and cancelled.lease_token is None
    attempts = [(a['attempt'], a['worker_id'], a['outcome']) for a in cancelled.attempts]
    assert attempts == [(1, 'host:1:abc', 'cancelled')]
    late = _post(store_service, 'complete_job', {'job_id': job.id, 'lease_token': job.lease_token, 'result': 1})
    assert late.status_code == 409 and late.json()['code'] == 'LEASE_LOST'
    unfenced = _post(store_service, 'complete_job', {'job_id': job.id, 'result': 1})
    assert unfenced.status_code == 409 and unfenced.json()['code'] == 'JOB_FINISHED'
    after = client.get_job_by_id(None, job.id)
    assert after.status == 'cancelled' and after.result is None and after.attempts == cancelled.attempts


def test_outcomes_of_a_job_asked_to_stop(client):
    client.add_jobs(None, [{'type': 'o', 'max_retries': 5} for _ in range(3)])
    done, failed, given_back = client.start_jobs_by_type(None, 'o', 60000, 3)
    for job in (done, failed, given_back):
        client.cancel_job(None, job.id)
    # the work was done before the worker heard: done stands; a failure or a give-back never runs again
    assert client.complete_job(None, done.id, 'r', done.lease_token).status == 'done'
    assert client.fail_job(None, failed.id, 'boom', failed.lease_token).status == 'cancelled'
    assert client.abort_job(None, given_back.id, given_back.lease_token).status == 'cancelled'
    assert client.get_job_by_id(None, failed.id).attempts[-1]['outcome'] == 'failed'
    assert client.start_jobs_by_type(None, 'o', 60000, 3) == []


def test_a_worker_that_never_reacts_loses_the_job_to_cancelled_at_its_lease_end(client):
    client.add_job(None, {'type': 'l', 'max_retries': 5})
    job = _take_as(client, 'w:2:def', 'l', timeout=300)
    client.cancel_job(None, job.id)
    cancelled = _wait_status(client, job.id, 'cancelled')
    assert cancelled.retries == 1 and cancelled.attempts[-1]['outcome'] == 'lease_expired'
    assert client.start_jobs_by_type(None, 'l', 60000, 1) == []


def test_progress_is_fenced_checked_and_starts_over_with_each_attempt(client, store_service):
    client.add_job(None, {'type': 'g', 'max_retries': 3})
    job = client.start_job_by_type(None, 'g', 60000)
    updated = client.set_job_progress(None, job.id, 42.5, 'half way', job.lease_token)
    assert updated.progress == 42.5 and updated.progress_message == 'half way'
    lost = _post(store_service, 'set_job_progress', {'job_id': job.id, 'lease_token': 'f' * 24, 'progress': 50})
    assert lost.status_code == 409 and lost.json()['code'] == 'LEASE_LOST'
    for bad in (-1, 100.5, 'x', True):
        reply = _post(store_service, 'set_job_progress', {'job_id': job.id, 'progress': bad})
        assert reply.status_code == 400, bad
    report = {'job_id': job.id, 'lease_token': job.lease_token, 'outcome': 'progress', 'progress': 80}
    assert client.report_jobs(None, [report])['results'] == [None]
    seen = client.get_job_by_id(None, job.id)
    assert seen.progress == 80 and seen.progress_message is None
    client.abort_job(None, job.id, job.lease_token)
    queued = client.get_job_by_id(None, job.id)
    assert queued.progress == 80  # what the last attempt reached stays visible while it waits
    again = client.start_job_by_type(None, 'g', 60000)
    assert again.id == job.id and again.progress is None


def test_attempts_are_kept_across_a_failure_and_a_success(client):
    client.add_job(None, {'type': 'a', 'max_retries': 3, 'backoff': {'base_ms': 0}})
    first = client.start_job_by_type(None, 'a', 60000)
    assert client.fail_job(None, first.id, 'boom', first.lease_token).status == 'queued'
    second = _take_as(client, 'w:3:123', 'a')
    assert second.id == first.id and second.attempts[0]['outcome'] == 'retried'
    client.complete_job(None, second.id, 'ok', second.lease_token)
    attempts = client.get_job_by_id(None, first.id).attempts
    assert [(a['attempt'], a['outcome'], a['error'], a['worker_id']) for a in attempts] == [
        (1, 'retried', 'boom', None), (2, 'done', None, 'w:3:123')]
    assert all(a['started'] <= a['ended'] for a in attempts)


def test_attempts_keep_the_last_twenty(client):
    client.add_job(None, {'type': 'm', 'max_retries': 30})
    for _ in range(25):
        job = client.start_job_by_type(None, 'm', 60000)
        client.abort_job(None, job.id, job.lease_token)
    attempts = client.get_job_by_id(None, job.id).attempts
    assert [a['attempt'] for a in attempts] == list(range(6, 26))
    assert {a['outcome'] for a in attempts} == {'given_back'}


def test_the_trace_context_is_kept_and_checked(client, store_service):
    context = {'traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'tracestate': 'a=1'}
    job = client.add_job(None, {'type': 't', 'trace_context': context})
    assert client.get_job_by_id(None, job.id).trace_context == context
    assert client.start_job_by_type(None, 't', 60000).trace_context == context
    bad = _post(store_service, 'add_job', {'new_job': {'type': 't', 'trace_context': {'traceparent': 5}}})
    assert bad.status_code == 400


def test_a_worker_id_is_checked(store_service):
    reply = _post(store_service, 'start_jobs_by_type', {'type': 'x', 'worker_id': 'x' * 201})
    assert reply.status_code == 400
    bad = _post(store_service, 'report_jobs', {'reports': [], 'worker': {'running': []}})
    assert bad.status_code == 400 and bad.json()['code'] == 'BAD_WORKER'


def test_a_running_jobs_log_is_fenced_paged_and_removed_with_the_job(client, store_service):
    client.add_job(None, {'type': 'lg'})
    job = client.start_job_by_type(None, 'lg', 60000)
    lines = [{'level': 'info', 'message': f'line {i}'} for i in range(5)]
    assert client.add_job_log(None, job.id, lines[:3], job.lease_token) == {'count': 3}
    report = {'job_id': job.id, 'lease_token': job.lease_token, 'outcome': 'log', 'lines': lines[3:]}
    assert client.report_jobs(None, [report])['results'] == [None]
    log = client.get_job_log(None, job.id)
    assert [line['message'] for line in log['lines']] == [f'line {i}' for i in range(5)]
    assert log['total'] == 5 and log['dropped'] == 0 and all(line['time'] for line in log['lines'])
    assert [line['message'] for line in client.get_job_log(None, job.id, 3, 1)['lines']] == ['line 3']
    lost = _post(store_service, 'add_job_log', {'job_id': job.id, 'lease_token': 'f' * 24, 'lines': lines})
    assert lost.status_code == 409 and lost.json()['code'] == 'LEASE_LOST'
    bad = _post(store_service, 'add_job_log', {'job_id': job.id, 'lines': [{'message': 5}]})
    assert bad.status_code == 400 and bad.json()['code'] == 'BAD_LINES'
    refused = client.report_jobs(None, [{**report, 'lines': [{'message': 5}]}])['results'][0]
    assert refused['code'] == 'BAD_LINES'
    client.complete_job(None, job.id, None, job.lease_token)
    after = _post(store_service, 'add_job_log', {'job_id': job.id, 'lines': lines})
    assert after.status_code == 409 and client.get_job_log(None, job.id)['total'] == 5
    client.delete_job_by_id(None, job.id)
    gone = _post(store_service, 'get_job_log', {'job_id': job.id})
    assert gone.status_code == 404 and gone.json()['code'] == 'JOB_NOT_FOUND'


def test_a_log_keeps_its_last_thousand_lines(client):
    client.add_job(None, {'type': 'lb'})
    job = client.start_job_by_type(None, 'lb', 60000)
    for start in range(0, 1200, 400):
        client.add_job_log(None, job.id, [{'message': str(i)} for i in range(start, start + 400)], job.lease_token)
    log = client.get_job_log(None, job.id, 0, 2)
    assert log['total'] == 1000 and log['dropped'] == 200
    assert [line['message'] for line in log['lines']] == ['200', '201']


def test_workers_are_listed_while_they_heartbeat(client):
    client.add_job(None, {'type': 'wk'})
    job = _take_as(client, 'h:10:aaa', 'wk')
    worker = {'id': 'h:10:aaa', 'host': 'h', 'pid': 10, 'version': '1.0', 'types': ['wk'], 'concurrency': 4,
              'running': [job.id], 'heartbeat_ms': 200}
    client.report_jobs(None, [], None, worker=worker)
    client.report_jobs(None, [], None, worker={'id': 'h:11:bbb', 'running': [], 'heartbeat_ms': 60000})
    listed = {w['id']: w for w in client.get_workers(None)}
    assert set(listed) == {'h:10:aaa', 'h:11:bbb'}
    seen = listed['h:10:aaa']
    assert seen['running'] == [job.id] and seen['busy'] == 1 and seen['idle'] == 3 and seen['types'] == ['wk']
    assert seen['last_seen'] and seen['started']
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and 'h:10:aaa' in {w['id'] for w in client.get_workers(None)}:
        time.sleep(0.1)  # silent for three of its 200 ms heartbeats: off the list
    assert [w['id'] for w in client.get_workers(None)] == ['h:11:bbb']


def test_a_requeued_job_keeps_the_attempts_before(client):
    client.add_job(None, {'type': 'rq', 'max_retries': 1})
    first = _take_as(client, 'w:4:aaa', 'rq')
    assert client.fail_job(None, first.id, 'boom', first.lease_token).status == 'failed'
    failed = client.get_job_by_id(None, first.id)
    assert [(a['attempt'], a['outcome'], a['error'], a['worker_id']) for a in failed.attempts] == [
        (1, 'failed', 'boom', 'w:4:aaa')]

    assert client.retry_jobs(None, FilterParams.from_tuples('type', 'rq')) == 1
    again = _take_as(client, 'w:5:bbb', 'rq')
    client.complete_job(None, again.id, 'ok', again.lease_token)
    attempts = client.get_job_by_id(None, first.id).attempts
    assert [(a['attempt'], a['outcome'], a['worker_id']) for a in attempts] == [
        (1, 'failed', 'w:4:aaa'), (1, 'done', 'w:5:bbb')]


def test_a_bad_progress_report_is_refused_alone(client):
    client.add_jobs(None, [{'type': 'bp'}, {'type': 'bp'}])
    first, second = client.start_jobs_by_type(None, 'bp', 60000, 2)
    reply = client.report_jobs(None, [
        {'job_id': first.id, 'lease_token': first.lease_token, 'outcome': 'progress'},
        {'job_id': second.id, 'lease_token': second.lease_token, 'outcome': 'progress', 'progress': 30}])
    assert reply['results'][0]['code'] == 'BAD_PROGRESS' and reply['results'][1] is None
    assert client.get_job_by_id(None, second.id).progress == 30
