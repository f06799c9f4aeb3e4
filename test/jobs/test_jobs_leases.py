"""Fenced leases: every take stamps a fresh lease_token; a stale token is a 409
LEASE_LOST that changes nothing, on memory, file and MongoDB, through the controller and both HTTP
faces. Calls without a token behave as before tokens. Also: the queue and lease indexes stay O(live)."""
import time

import pytest
import requests
from pip_services3_commons.errors import ConflictException

from service_background.jobs.persistence import JobsMemoryPersistence

from .wiring import wire


def _expire_and_retake(controller, client, job_type):
    """A job taken with a 1 ms lease, swept back to the queue and taken again: (stale, current)."""
    # a lost lease re-queues after a backoff; these tests retake at once, so none
    client.add_job(None, {'type': job_type, 'max_retries': 5, 'backoff': {'base_ms': 0}})
    first = client.start_job_by_type(None, job_type, 1)
    assert first.lease_token
    time.sleep(0.01)
    assert controller.release_expired_leases(None) >= 1
    second = client.start_job_by_type(None, job_type, 60000)
    assert second.id == first.id and second.lease_token and second.lease_token != first.lease_token
    return first, second


def _conflict_code(call):
    with pytest.raises(ConflictException) as info:
        call()
    return info.value.code


def test_stale_tokens_are_refused_and_change_nothing(persistence):
    controller, client = wire(persistence, lease_interval=100000)
    stale, current = _expire_and_retake(controller, client, 'fenced')
    before = client.get_job_by_id(None, current.id)
    for call in (lambda: client.complete_job(None, current.id, 'late', lease_token=stale.lease_token),
                 lambda: client.fail_job(None, current.id, 'late', lease_token=stale.lease_token),
                 lambda: client.extend_job(None, current.id, 999999, lease_token=stale.lease_token),
                 lambda: client.abort_job(None, current.id, lease_token=stale.lease_token),
                 lambda: controller.update_job(None, current.id, 'done', 'late', stale.lease_token)):
        assert _conflict_code(call) == 'LEASE_LOST'
    after = client.get_job_by_id(None, current.id)
    assert after.to_json() == before.to_json()
    assert client.complete_jobs(None, [current.id], ['late'], [stale.lease_token]) == [None]
    assert client.complete_jobs(None, [current.id], None, {current.id: stale.lease_token}) == [None]
    assert client.get_job_by_id(None, current.id).status == 'running'
    # the holder's token works, and the lease extension keeps it
    extended = client.extend_job(None, current.id, 60000, lease_token=current.lease_token)
    assert extended.lease_token == current.lease_token
    done = client.complete_job(None, current.id, 'ok', lease_token=current.lease_token)
    assert done.status == 'done' and done.result == 'ok' and done.lease_token is None
    # finished: the old holder's token is stale too
    assert _conflict_code(lambda: client.fail_job(None, current.id, 'x', lease_token=current.lease_token)) \
        == 'LEASE_LOST'


def test_calls_without_a_token_keep_the_seed_behaviour(persistence):
    controller, client = wire(persistence, lease_interval=100000)
    stale, current = _expire_and_retake(controller, client, 'unfenced')
    done = client.complete_job(None, current.id, 'anyone')  # no token: not fenced
    assert done.status == 'done'
    client.add_job(None, {'type': 'unfenced2'})
    job = client.start_job_by_type(None, 'unfenced2')
    assert client.extend_job(None, job.id, 5000).lease_token == job.lease_token
    aborted = client.abort_job(None, job.id)
    assert aborted.status == 'queued' and aborted.lease_token is None


def test_batch_and_by_id_takes_stamp_distinct_tokens(persistence):
    _, client = wire(persistence, lease_interval=100000)
    client.add_jobs(None, [{'type': 'batch'} for _ in range(5)])
    jobs = client.start_jobs_by_type(None, 'batch', 60000, 5)
    assert len(jobs) == 5 and len({j.lease_token for j in jobs}) == 5 and all(jobs[0].lease_token for _ in jobs)
    assert all(client.get_job_by_id(None, j.id).lease_token == j.lease_token for j in jobs)
    one = client.add_job(None, {'type': 'by_id'})
    started = client.start_job_by_id(None, one.id, 60000)
    assert started.lease_token and client.get_job_by_id(None, one.id).lease_token == started.lease_token
    tokens = [j.lease_token for j in jobs]
    tokens[0] = 'not-the-token'
    completed = client.complete_jobs(None, [j.id for j in jobs], None, tokens)
    assert completed[0] is None and all(c is not None and c.status == 'done' for c in completed[1:])


def test_sweeper_compares_the_token_it_found(persistence):
    """A lease found expired, then taken again before the sweeper's write: the write lands nowhere."""
    controller, client = wire(persistence, lease_interval=100000)
    client.add_job(None, {'type': 'sweep', 'max_retries': 5})
    job = client.start_job_by_type(None, 'sweep', 1)
    time.sleep(0.01)
    persistence_leases = controller._persistence.get_expired_leases(None, __import__(
        'service_background.common.data.clock', fromlist=['now']).now(), 10)
    assert persistence_leases == [(job.id, job.lease_token)]
    # the holder extends: the sweeper must not release what it found before
    client.extend_job(None, job.id, 60000, lease_token=job.lease_token)
    assert controller.release_expired_leases(None) == 0
    assert client.get_job_by_id(None, job.id).status == 'running'


def test_uniq_jobs_are_one_per_unfinished_ref(persistence):
    _, client = wire(persistence, lease_interval=100000)
    first = client.add_uniq_job(None, {'type': 'u', 'ref_id': 'r1'})
    again = client.add_uniq_job(None, {'type': 'u', 'ref_id': 'r1'})
    assert again.id == first.id
    taken = client.start_job_by_type(None, 'u', 60000)
    assert client.add_uniq_job(None, {'type': 'u', 'ref_id': 'r1'}).id == first.id  # running: unfinished
    client.complete_job(None, taken.id, None, lease_token=taken.lease_token)
    fresh = client.add_uniq_job(None, {'type': 'u', 'ref_id': 'r1'})
    assert fresh.id != first.id
    assert client.add_uniq_job(None, {'type': 'u', 'ref_id': 'r1'}).id == fresh.id


def test_queue_and_lease_indexes_stay_o_live_after_60000_jobs():
    """3 x 20,000 jobs added and deleted (and some taken and finished): the heaps hold O(live) entries,
    the cleaner's too."""
    persistence = JobsMemoryPersistence()
    persistence.open(None)
    controller, client = wire(persistence, lease_interval=100000)
    for round in range(3):
        ids = []
        for _ in range(0, 20000, 1000):
            jobs = client.add_jobs(None, [{'type': f't{round % 2}', 'delay': 60000 if i % 3 == 0 else 0}
                                          for i in range(1000)])
            ids += [j.id for j in jobs]
        for job in client.start_jobs_by_type(None, f't{round % 2}', 60000, 500):
            client.complete_job(None, job.id, None, lease_token=job.lease_token)
        for job_id in ids:
            persistence.delete_by_id(None, job_id)
    live = client.add_jobs(None, [{'type': 'live'} for _ in range(10)])
    client.start_jobs_by_type(None, 'live', 60000, 5)
    sizes = persistence.index_sizes
    assert sizes['queue'] <= 5 + 512 and sizes['leases'] <= 5 + 512, sizes
    assert sizes['lease_live'] == 5 and sizes['by_ref'] == 0 and sizes['expiry'] <= 512
    assert len(client.start_jobs_by_type(None, 'live', 60000, 10)) == 5
    assert len(live) == 10


# --- both HTTP faces, on every persistence -------------------------------------------------------
@pytest.fixture
def service(store_service):
    return store_service


def _stale_over_http(url, queue):
    r = requests.post(f'{url}/jobs', json={'queue': queue}, headers={'X-Accepted-Job-Timeout': '60'}, timeout=10)
    assert r.status_code == 202
    first = requests.post(f'{url}/want_job', json={'queue': queue}, headers={'X-Accepted-Timeout': '60'},
                          timeout=10).json()
    assert first['lease_token']
    r = requests.post(f'{url}/v1/jobs/abort_job', json={'job_id': first['id'], 'lease_token': first['lease_token']},
                      timeout=10)
    assert r.status_code == 200 and r.json()['status'] == 'queued' and r.json()['lease_token'] is None
    second = requests.post(f'{url}/v1/jobs/start_job_by_type', json={'type': queue, 'timeout': 60000},
                           timeout=10).json()
    assert second['id'] == first['id'] and second['lease_token'] not in (None, first['lease_token'])
    return first, second


def test_http_faces_refuse_stale_tokens(service):
    url = service
    first, second = _stale_over_http(url, 'hq')
    job_id, stale = first['id'], first['lease_token']
    before = requests.get(f'{url}/jobs/{job_id}', timeout=10).json()
    for body, headers in (({'status': 'done', 'result': 'late', 'lease_token': stale}, {}),
                          ({'status': 'failed'}, {'X-Accepted-Lease': stale})):
        r = requests.put(f'{url}/jobs/{job_id}', json=body, headers=headers, timeout=10)
        assert r.status_code == 409 and r.json()['code'] == 'LEASE_LOST', r.text
    for command, extra in (('complete_job', {'result': 'late'}), ('fail_job', {'error': 'late'}),
                           ('extend_job', {'timeout': 999999}), ('abort_job', {})):
        r = requests.post(f'{url}/v1/jobs/{command}', json=dict(extra, job_id=job_id, lease_token=stale), timeout=10)
        assert r.status_code == 409 and r.json()['code'] == 'LEASE_LOST', (command, r.text)
    r = requests.post(f'{url}/v1/jobs/complete_jobs', json={'job_ids': [job_id], 'lease_tokens': [stale]}, timeout=10)
    assert r.status_code == 200 and r.json() == [None]
    assert requests.get(f'{url}/jobs/{job_id}', timeout=10).json() == before
    # the holder's token, by header on the queue face
    r = requests.put(f'{url}/jobs/{job_id}', json={'status': 'done', 'result': 'ok'},
                     headers={'X-Accepted-Lease': second['lease_token']}, timeout=10)
    assert r.status_code == 200 and r.json()['status'] == 'done' and r.json()['lease_token'] is None
    # without a token: as before tokens (a finished job is a 409 JOB_FINISHED, not a lease matter)
    r = requests.put(f'{url}/jobs/{job_id}', json={'status': 'done'}, timeout=10)
    assert r.status_code == 409 and r.json()['code'] == 'JOB_FINISHED'
