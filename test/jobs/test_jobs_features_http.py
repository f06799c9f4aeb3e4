"""Limits, unique lifetimes, dependencies, batches, backoff and retry_jobs on both HTTP faces of the real container
(memory, and the store fixture's file/MongoDB)."""
import asyncio

import requests
from pip_services3_commons.data import FilterParams

from service_background.jobs.clients.version1 import JobsHttpClientV1
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1

from ..helpers import open_http_client


def _call(url, command, body):
    r = requests.post(f'{url}/v1/jobs/{command}', json=body, timeout=10)
    assert r.status_code in (200, 204), (command, r.status_code, r.text)
    return r.json() if r.status_code == 200 else None


def test_commandable_face(store_service):
    url = store_service
    client = open_http_client(JobsHttpClientV1, url)
    try:
        assert client.set_queue_limits(None, 'lim', 1) == {'type': 'lim', 'concurrency': 1, 'rate': None,
                                                            'group_concurrency': None}
        assert client.get_queue_limits(None, 'lim')[0]['concurrency'] == 1
        client.add_jobs(None, [{'type': 'lim'}, {'type': 'lim'}])
        assert len(client.start_jobs_by_type(None, 'lim', 60000, 5)) == 1
        assert requests.post(f'{url}/v1/jobs/start_job_by_type', json={'type': 'lim'}, timeout=10).status_code == 204
        assert requests.post(f'{url}/want_job', json={'queue': 'lim'}, timeout=10).status_code == 204
        client.clear_queue_limits(None, 'lim')
        assert client.start_job_by_type(None, 'lim') is not None

        unique = {'type': 'u', 'ref_id': 'day-1', 'unique': {'until': 'ttl', 'ttl': 60000}}
        first = client.add_job(None, unique)
        assert client.add_job(None, unique).id == first.id and first.unique_until == 'ttl'

        parent = client.add_job(None, {'type': 'p'})
        child = client.add_job(None, {'type': 'c', 'depends_on': [parent.id]})
        assert child.waiting_on == [parent.id] and client.start_job_by_type(None, 'c') is None
        client.complete_job(None, client.start_job_by_type(None, 'p').id)
        assert client.start_job_by_type(None, 'c').id == child.id

        batch = client.add_batch(None, [{'type': 'b'}, {'type': 'b'}], description='two')
        assert batch['total'] == 2 and batch['counts']['queued'] == 2
        assert client.cancel_batch(None, batch['id'])['counts']['cancelled'] == 2
        assert client.get_batch(None, batch['id'])['done'] is True
        assert requests.post(f'{url}/v1/jobs/get_batch', json={'batch_id': 'nope'}, timeout=10).status_code == 404

        job = client.add_job(None, {'type': 'f', 'max_retries': 2, 'backoff': {'type': 'fixed', 'base_ms': 30000}})
        client.start_job_by_type(None, 'f', 60000)
        back = client.fail_job(None, job.id, 'boom')
        assert back.status == 'queued' and back.not_before > back.started and 'boom; retry 2 of 2' in back.last_error
        dead = client.add_job(None, {'type': 'f', 'max_retries': 1})
        client.start_job_by_id(None, dead.id)
        client.fail_job(None, dead.id, 'dead')
        assert client.retry_jobs(None, FilterParams.from_tuples('type', 'f')) == 1
        assert _call(url, 'retry_jobs', {'filter': {'type': 'f'}}) == {'count': 0}
        for command, body in (('set_queue_limits', {'type': 'x'}),
                              ('add_job', {'new_job': {'type': 'x', 'unique': {}}}),
                              ('add_job', {'new_job': {'type': 'x', 'backoff': {'type': 'linear'}}}),
                              ('add_batch', {'jobs': []}), ('retry_jobs', {'filter': {'status': 'done'}})):
            assert requests.post(f'{url}/v1/jobs/{command}', json=body, timeout=10).status_code == 400, command
    finally:
        client.close(None)


def test_queue_face_takes_the_new_fields(store_service):
    url = store_service
    body = {'queue': 'q13', 'ref_id': 'r', 'unique': {'until': 'started'}, 'backoff': {'base_ms': 0}}
    first = requests.post(f'{url}/jobs', json=body, timeout=10).json()
    again = requests.post(f'{url}/jobs', json=body, timeout=10).json()
    assert again['id'] == first['id']
    child = requests.post(f'{url}/jobs', json={'queue': 'q13c', 'depends_on': [first['id']]}, timeout=10).json()
    taken = requests.post(f'{url}/want_job', json={'queue': 'q13'}, timeout=10).json()
    assert taken['id'] == first['id']
    assert requests.post(f'{url}/jobs', json=body, timeout=10).json()['id'] != first['id']  # started: lock over
    assert requests.post(f'{url}/want_job', json={'queue': 'q13c'}, timeout=10).status_code == 204
    requests.put(f'{url}/jobs/{first["id"]}', json={'status': 'done'}, timeout=10).raise_for_status()
    assert requests.post(f'{url}/want_job', json={'queue': 'q13c'}, timeout=10).json()['id'] == child['id']


def test_async_client_complete_jobs(memory_service):
    async def main():
        client = JobsAsyncClientV1(memory_service)
        await client.open_async()
        try:
            jobs = await client.add_jobs(None, [{'type': 'ac'}, {'type': 'ac'}])
            taken = await client.start_jobs_by_type(None, 'ac', 60000, 2)
            done = await client.complete_jobs(None, [j.id for j in taken] + ['nope'], None,
                                              [j.lease_token for j in taken] + [None])
            assert [d.status for d in done[:2]] == ['done', 'done'] and done[2] is None
            assert {d.id for d in done[:2]} == {j.id for j in jobs}
            assert await client.retry_jobs(None) == 0
        finally:
            await client.close_async()
    asyncio.run(main())
