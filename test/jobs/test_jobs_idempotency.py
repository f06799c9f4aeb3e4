"""Adds you can retry: ``idempotency_key`` answers the first job on memory, file and MongoDB, for the
job's life and at least 24 h after the add (time given to the store), across a restart of a file store,
and through every face (commands, add_jobs, add_uniq_job, the queue API's route, the clients)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import ConflictException

from service_background.common.data import clock
from service_background.jobs.clients.version1 import JobsHttpClientV1
from service_background.jobs.data.version1 import JobStatusV1, NewJobV1
from service_background.jobs.logic.job_uniqueness import store_jobs
from service_background.jobs.logic.new_job_rules import to_job
from service_background.jobs.persistence import JobsFilePersistence

from ..helpers import open_file_persistence, open_http_client

DAY = timedelta(hours=24)


def _add(persistence, key, type='idem', now=None):
    now = now or clock.now()
    return persistence.create_idempotent(None, to_job(None, {'type': type, 'idempotency_key': key}, now, 10), now)


def _count(persistence, type='idem') -> int:
    return len(persistence.get_page_by_filter(None, FilterParams.from_tuples('type', type),
                                              PagingParams(0, 100)).data)


def test_a_known_key_answers_the_first_job(persistence):
    first = _add(persistence, 'k1')
    assert first.idempotency_key == 'k1' and first.status == JobStatusV1.Queued
    assert _add(persistence, 'k1').id == first.id
    assert _add(persistence, 'k2').id != first.id
    assert _count(persistence) == 2


def test_a_live_job_answers_its_key_past_the_ttl(persistence):
    first = _add(persistence, 'long-lived')
    later = clock.now() + 2 * DAY  # the job still lives: its key holds for its whole life
    assert _add(persistence, 'long-lived', now=later).id == first.id


def test_a_deleted_job_answers_its_key_until_24h_after_the_add(persistence):
    first = _add(persistence, 'gone')
    persistence.delete_by_id(None, first.id)
    again = _add(persistence, 'gone', now=first.created + DAY - timedelta(seconds=1))
    assert again.id == first.id and again.status == JobStatusV1.Aborted and again.params is None
    assert _count(persistence) == 0
    fresh = _add(persistence, 'gone', now=first.created + DAY + timedelta(seconds=1))
    assert fresh.id != first.id and _count(persistence) == 1


def test_the_cleaner_keeps_the_key_of_a_job_it_removes(persistence):
    first = _add(persistence, 'cleaned')

    def finish(job):
        job.status, job.completed, job.remove_at = JobStatusV1.Done, job.created, job.created + timedelta(hours=1)
        return job
    persistence.modify(None, first.id, finish)
    assert persistence.delete_expired(None, first.created + timedelta(hours=2)) == 1
    again = _add(persistence, 'cleaned', now=first.created + timedelta(hours=3))
    assert again.id == first.id and again.status == JobStatusV1.Done
    persistence.delete_expired(None, first.created + DAY + timedelta(seconds=1))  # the record's time is over
    assert _add(persistence, 'cleaned', now=first.created + timedelta(hours=3)).id != first.id


def test_delete_all_forgets_every_key(persistence):
    first = _add(persistence, 'wiped')
    persistence.delete_by_id(None, _add(persistence, 'wiped-deleted').id)
    persistence.delete_all(None)
    assert _add(persistence, 'wiped').id != first.id
    assert _count(persistence) == 1
    assert _add(persistence, 'wiped-deleted').status == JobStatusV1.Queued


def test_concurrent_adds_of_one_key_make_one_job(persistence):
    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(lambda i: _add(persistence, 'race').id, range(64)))
    assert len(ids) == 1 and _count(persistence) == 1


def test_a_batch_with_keys_stores_each_key_once(persistence):
    now = clock.now()
    jobs = [to_job(None, {'type': 'idem', 'idempotency_key': key}, now, 10) for key in ('b1', 'b2', 'b1')]
    result, added = store_jobs(persistence, None, jobs, now)
    assert result[0].id == result[2].id != result[1].id and len(added) == 2
    retry = [to_job(None, {'type': 'idem', 'idempotency_key': key}, now, 10) for key in ('b1', 'b2')]
    assert [job.id for job in store_jobs(persistence, None, retry, now)[0]] == [result[0].id, result[1].id]
    with pytest.raises(ConflictException):  # the key names a job of another type
        store_jobs(persistence, None, [to_job(None, {'type': 'other', 'idempotency_key': 'b1'}, now, 10)], now)
    assert _count(persistence) == 2 and _count(persistence, 'other') == 0


def test_keys_survive_a_restart_of_the_file_store(tmp_path):
    path = tmp_path / 'jobs.json'
    store = open_file_persistence(JobsFilePersistence, path)
    live, deleted = _add(store, 'live'), _add(store, 'deleted')
    store.delete_by_id(None, deleted.id)
    store.close(None)
    store = open_file_persistence(JobsFilePersistence, path)
    try:
        assert _add(store, 'live').id == live.id
        assert _add(store, 'deleted').id == deleted.id
        assert _count(store) == 1
    finally:
        store.close(None)


def test_a_configured_ttl_shortens_what_a_deleted_job_leaves(tmp_path):
    store = open_file_persistence(JobsFilePersistence, tmp_path / 'jobs.json', idempotency_ttl=60000)
    try:
        first = _add(store, 'short')
        store.delete_by_id(None, first.id)
        assert _add(store, 'short', now=first.created + timedelta(seconds=59)).id == first.id
        assert _add(store, 'short', now=first.created + timedelta(seconds=61)).id != first.id
    finally:
        store.close(None)


# --- through the service -----------------------------------------------------------------------------
def _post(url, path, body, **kwargs):
    return requests.post(url + path, json=body, timeout=10, **kwargs)


def test_commands_answer_the_first_job(store_service):
    new_job = {'type': 'mail', 'params': {'to': 'a'}, 'idempotency_key': 'order-1'}
    first = _post(store_service, '/v1/jobs/add_job', {'new_job': new_job})
    assert first.status_code == 200, first.text
    again = _post(store_service, '/v1/jobs/add_job', {'new_job': dict(new_job, params={'to': 'b'})})
    assert again.status_code == 200 and again.json()['id'] == first.json()['id']
    assert again.json()['params'] == {'to': 'a'}  # the first job, not the second body
    batch = [{'type': 'mail', 'idempotency_key': 'order-1'}, {'type': 'mail', 'idempotency_key': 'order-2'}]
    jobs = _post(store_service, '/v1/jobs/add_jobs', {'new_jobs': batch}).json()
    assert jobs[0]['id'] == first.json()['id']
    assert _post(store_service, '/v1/jobs/add_jobs', {'new_jobs': batch}).json()[1]['id'] == jobs[1]['id']
    uniq = {'type': 'mail', 'ref_id': 'r', 'idempotency_key': 'order-3'}
    uniq_id = _post(store_service, '/v1/jobs/add_uniq_job', {'new_job': uniq}).json()['id']
    assert _post(store_service, '/v1/jobs/add_uniq_job', {'new_job': uniq}).json()['id'] == uniq_id
    page = _post(store_service, '/v1/jobs/get_jobs', {'filter': {'type': 'mail'}}).json()
    assert len(page['data']) == 3
    other = _post(store_service, '/v1/jobs/add_job', {'new_job': {'type': 'sms', 'idempotency_key': 'order-1'}})
    assert other.status_code == 409 and other.json()['code'] == 'IDEMPOTENCY_KEY_REUSED'
    assert first.json()['id'] not in other.text  # another queue's job is not shown


@pytest.mark.parametrize('key', ['', '  ', 'x' * 257, 7, ['k'], {'k': 1}, True])
def test_a_bad_key_is_400(memory_service, key):
    r = _post(memory_service, '/v1/jobs/add_job', {'new_job': {'type': 'mail', 'idempotency_key': key}})
    assert r.status_code == 400, r.text
    assert r.json()['status'] == 400 and r.json()['code']


def test_the_queue_route_takes_the_key_in_the_body_or_a_header(memory_service):
    first = _post(memory_service, '/jobs', {'queue': 'q', 'params': 1, 'idempotency_key': 'req-1'})
    assert first.status_code == 202, first.text
    again = _post(memory_service, '/jobs', {'queue': 'q', 'params': 1}, headers={'Idempotency-Key': 'req-1'})
    assert again.status_code == 202 and again.json()['id'] == first.json()['id']
    assert again.headers['Location'] == f"/jobs/{first.json()['id']}"
    bad = _post(memory_service, '/jobs', {'queue': 'q'}, headers={'Idempotency-Key': 'x' * 257})
    assert bad.status_code == 400 and bad.json()['code'] == 'BAD_IDEMPOTENCY_KEY'


def test_the_http_client_sends_the_key(memory_service):
    client = open_http_client(JobsHttpClientV1, memory_service)
    try:
        first = client.add_job(None, NewJobV1(type='c', idempotency_key='client-1'))
        assert client.add_job(None, NewJobV1(type='c', idempotency_key='client-1')).id == first.id
        assert first.idempotency_key == 'client-1'
    finally:
        client.close(None)
