"""report_jobs over HTTP on the real container (memory, file and MongoDB): any mix of outcomes in one
call, each fenced by its own lease and refused alone in its slot, an optional take in the same call, and
400 ErrorDescriptions for malformed bodies with nothing applied."""
import asyncio
import time
from datetime import timedelta

import pytest
import requests

from service_background.common.data import clock
from service_background.jobs.clients.version1 import JobsHttpClientV1
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1

from ..helpers import open_http_client


@pytest.fixture
def client(store_service):
    client = open_http_client(JobsHttpClientV1, store_service)
    yield client
    client.close(None)


def _report(job, outcome, token=None, **fields):
    return {'job_id': job.id, 'lease_token': token or job.lease_token, 'outcome': outcome, **fields}


def _take(client, type, count, **job):
    client.add_jobs(None, [{'type': type, **job} for _ in range(count)])
    jobs = client.start_jobs_by_type(None, type, 60000, count)
    assert len(jobs) == count and all(j.lease_token for j in jobs)
    return jobs


def _post(url, body):
    return requests.post(f'{url}/v1/jobs/report_jobs', json=body, timeout=10)


def test_every_outcome_in_one_call(client):
    done, failed, aborted, extended, twice = _take(client, 'mix', 5, max_retries=3,
                                                   backoff={'type': 'fixed', 'base_ms': 60000, 'jitter': 0})
    lease_end = client.get_job_by_id(None, extended.id).locked_until
    reply = client.report_jobs(None, [
        _report(done, 'complete', result={'n': 1}), _report(failed, 'fail', error='boom'),
        _report(aborted, 'abort'), _report(extended, 'extend', timeout=600000),
        _report(twice, 'extend', timeout=600000), _report(twice, 'complete', result='second')], quiet=True)
    assert reply == {'results': [None] * 6, 'jobs': []}
    stored = {job.id: client.get_job_by_id(None, job.id) for job in (done, failed, aborted, extended, twice)}
    assert stored[done.id].status == 'done' and stored[done.id].result == {'n': 1}
    assert stored[done.id].lease_token is None and stored[done.id].remove_at is not None
    assert stored[failed.id].status == 'queued' and 'boom; retry 2 of 3 after 60000 ms' in stored[failed.id].last_error
    assert stored[failed.id].not_before > clock.now() + timedelta(seconds=30)
    assert stored[aborted.id].status == 'queued' and stored[aborted.id].not_before <= clock.now()
    assert stored[extended.id].status == 'running' and stored[extended.id].lease_token == extended.lease_token
    assert stored[extended.id].locked_until > lease_end + timedelta(seconds=300)
    assert stored[twice.id].status == 'done' and stored[twice.id].result == 'second'
    # the aborted job is takeable again at once; the failed one waits for its backoff
    assert [j.id for j in client.start_jobs_by_type(None, 'mix', 60000, 5)] == [aborted.id]


def test_fail_backs_off_as_fail_job_does(client):
    backoff = {'type': 'fixed', 'base_ms': 45000, 'jitter': 0}
    single, reported = _take(client, 'fb', 2, max_retries=2, backoff=backoff)
    by_call = client.fail_job(None, single.id, 'bad', lease_token=single.lease_token)
    assert client.report_jobs(None, [_report(reported, 'fail', error='bad')])['results'] == [None]
    by_report = client.get_job_by_id(None, reported.id)
    assert by_report.status == by_call.status == 'queued' and by_report.retries == by_call.retries == 1
    assert by_report.last_error == by_call.last_error == 'bad; retry 2 of 2 after 45000 ms'
    assert abs((by_report.not_before - by_call.not_before).total_seconds()) < 10
    # the last attempt: failed for good, as fail_job
    assert client.start_jobs_by_type(None, 'fb', 60000, 2) == []  # both still backing off
    last = client.add_job(None, {'type': 'fb1', 'max_retries': 1})
    last = client.start_job_by_id(None, last.id, 60000)
    assert client.report_jobs(None, [_report(last, 'fail')])['results'] == [None]
    dead = client.get_job_by_id(None, last.id)
    assert dead.status == 'failed' and dead.last_error == 'failed'


def test_a_lost_lease_is_refused_alone(client, store_service):
    first, lost, third = _take(client, 'lost', 3)
    expiring = client.add_job(None, {'type': 'expiring', 'max_retries': 5, 'backoff': {'base_ms': 0}})
    expiring = client.start_job_by_id(None, expiring.id, 1)
    deadline = time.monotonic() + 15
    while client.get_job_by_id(None, expiring.id).status != 'queued':  # the lease sweeper gave it back
        assert time.monotonic() < deadline, 'the lease of 1 ms was never released'
        time.sleep(0.05)
    retaken = client.start_job_by_type(None, 'expiring', 60000)
    assert retaken.id == expiring.id and retaken.lease_token != expiring.lease_token
    client.complete_job(None, lost.id, 'by an admin')  # finished under the holder: its lease is gone
    reply = client.report_jobs(None, [
        _report(first, 'complete', result=1), _report(lost, 'complete', result=2),
        _report(expiring, 'extend', timeout=60000), _report(expiring, 'fail', error='late'),
        {'job_id': 'no-such-job', 'lease_token': 'abc', 'outcome': 'complete'}, _report(third, 'abort')])
    results = reply['results']
    assert results[0] is None and results[5] is None
    for index in (1, 2, 3):
        assert results[index]['code'] == 'LEASE_LOST' and results[index]['status'] == 409, results[index]
    assert results[4]['code'] == 'JOB_NOT_FOUND' and results[4]['status'] == 404 and results[4]['message']
    assert client.get_job_by_id(None, first.id).result == 1
    assert client.get_job_by_id(None, lost.id).result == 'by an admin'
    holder = client.get_job_by_id(None, expiring.id)
    assert holder.status == 'running' and holder.lease_token == retaken.lease_token
    assert client.get_job_by_id(None, third.id).status == 'queued'
    # on the wire: the same slots, as JSON
    body = _post(store_service, {'reports': [_report(first, 'complete')]})
    assert body.status_code == 200 and body.json()['results'][0]['code'] == 'LEASE_LOST'


def test_a_cancelled_then_reassigned_job_refuses_the_old_token(client):
    job, = _take(client, 'cancel', 1, max_retries=5)
    client.abort_job(None, job.id)  # cancelled by someone else (no token): back to the queue
    again = client.start_job_by_type(None, 'cancel', 60000)
    assert again.id == job.id and again.lease_token != job.lease_token
    before = client.get_job_by_id(None, job.id)
    reply = client.report_jobs(None, [_report(job, outcome) for outcome in ('complete', 'fail', 'abort', 'extend')])
    assert [r['code'] for r in reply['results']] == ['LEASE_LOST'] * 4
    current = client.get_job_by_id(None, job.id)
    assert current.to_json() == before.to_json()
    assert current.status == 'running' and current.lease_token == again.lease_token and current.retries == 2
    assert client.report_jobs(None, [_report(again, 'complete', result='ok')])['results'] == [None]
    assert client.get_job_by_id(None, job.id).result == 'ok'


def test_report_and_take_share_one_call(client, store_service):
    held, = _take(client, 'next', 1)
    client.add_jobs(None, [{'type': 'next'} for _ in range(3)])
    reply = client.report_jobs(None, [_report(held, 'complete')], take={'type': 'next', 'limit': 2, 'timeout': 5000})
    assert reply['results'] == [None] and len(reply['jobs']) == 2
    assert all(j.status == 'running' and j.lease_token and j.id != held.id for j in reply['jobs'])
    assert client.get_job_by_id(None, held.id).status == 'done'
    # a concurrency-limited queue: the slot the report frees is there for the take
    client.set_queue_limits(None, 'one', 1)
    client.add_jobs(None, [{'type': 'one'}, {'type': 'one'}])
    slot = client.start_job_by_type(None, 'one', 60000)
    assert client.start_job_by_type(None, 'one', 60000) is None

    async def report_async():
        async with JobsAsyncClientV1(store_service) as async_client:
            return await async_client.report_jobs(None, [_report(slot, 'complete')], take={'type': 'one', 'limit': 5})
    reply = asyncio.run(report_async())
    assert reply['results'] == [None] and len(reply['jobs']) == 1 and reply['jobs'][0].lease_token
    # nothing to report: a take alone; an empty queue: no jobs
    assert _post(store_service, {'reports': [], 'take': {'type': 'none', 'limit': 3}}).json() == \
        {'results': [], 'jobs': []}


def test_what_follows_a_finish_follows_a_report(client):
    """Dependencies, batches and result TTLs react to a reported outcome as to the single call."""
    parent = client.add_job(None, {'type': 'parent', 'result_ttl': 600000})
    child = client.add_job(None, {'type': 'child', 'depends_on': [parent.id]})
    batch = client.add_batch(None, [{'type': 'in_batch'}])
    parent = client.start_job_by_id(None, parent.id, 60000)
    member = client.start_job_by_type(None, 'in_batch', 60000)
    assert client.start_job_by_type(None, 'child') is None  # waits for its parent
    reply = client.report_jobs(None, [_report(parent, 'complete', result='p'), _report(member, 'complete')],
                               take={'type': 'child', 'limit': 3})
    assert reply['results'] == [None, None] and [j.id for j in reply['jobs']] == [child.id]
    assert client.get_batch(None, batch['id'])['done'] is True
    done = client.get_job_by_id(None, parent.id)
    assert timedelta(seconds=590) < done.remove_at - done.completed <= timedelta(seconds=600)


MALFORMED = [
    {'reports': [{'job_id': 'x', 'outcome': 'finish'}]},
    {'reports': [{'lease_token': 'x', 'outcome': 'complete'}]},
    {'reports': [{'job_id': ' ', 'outcome': 'complete'}]},
    {'reports': [{'job_id': 'x'}]},
    {'reports': [{'job_id': 'x', 'outcome': 'fail', 'error': 5}]},
    {'reports': [{'job_id': 'x', 'outcome': 'extend', 'timeout': -1}]},
    {'reports': [{'job_id': 'x', 'outcome': 'complete', 'lease_token': ''}]},
    {'reports': [{'job_id': 'x', 'outcome': 'complete'}] * 1001},
    {'reports': {'job_id': 'x'}}, {'reports': [None]}, {'reports': ['x']},
    {'reports': [], 'take': {'type': 'x', 'limit': 0}}, {'reports': [], 'take': {'type': 'x', 'limit': 1001}},
    {'reports': [], 'take': {'type': 'x', 'limit': 1.5}}, {'reports': [], 'take': {'limit': 1}},
    {'reports': [], 'take': 'x'}, {'reports': [], 'quiet': 'yes'}]


def test_malformed_bodies_are_refused_whole(client, store_service):
    job, = _take(client, 'bad', 1)
    valid = _report(job, 'complete')
    for body in MALFORMED:
        if isinstance(body.get('reports'), list) and len(body['reports']) < 1000:
            body = dict(body, reports=[valid] + body['reports'])  # refused whole: the valid one is not applied
        response = _post(store_service, body)
        assert response.status_code == 400, (body, response.text)
        error = response.json()
        assert error['status'] == 400 and error['code'] and error['message'] and 'stack_trace' not in error, error
    assert client.get_job_by_id(None, job.id).status == 'running'
    assert _post(store_service, {'reports': [valid]}).json() == {'results': [None], 'jobs': []}
