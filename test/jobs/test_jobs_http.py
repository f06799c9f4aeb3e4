"""The commandable face (the commands API) on the real container: every command via JobsHttpClientV1 and raw HTTP."""
import pytest
import requests
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException

from service_background.jobs.clients.version1 import JobsHttpClientV1
from service_background.jobs.data.version1 import NewJobV1

from ..helpers import open_http_client


@pytest.fixture
def client(memory_service):
    c = open_http_client(JobsHttpClientV1, memory_service)
    yield c
    c.close(None)


def test_every_command_through_the_http_client(client):
    job = client.add_job(None, NewJobV1(type='h', ref_id='r1', params={'p': 1}, priority=2))
    assert job.status == 'queued' and job.created.tzinfo is not None and job.params == {'p': 1}
    assert client.add_uniq_job(None, NewJobV1(type='h', ref_id='r1')).id == job.id
    batch = client.add_jobs(None, [NewJobV1(type='h', priority=0), NewJobV1(type='h', priority=0)])
    assert client.get_job_by_id(None, job.id).ref_id == 'r1'
    page = client.get_jobs(None, FilterParams.from_tuples('type', 'h'), PagingParams(0, 2, True))
    assert page.total == 3 and len(page.data) == 2
    first = client.start_job_by_type(None, 'h', 60000)
    assert first.id == batch[0].id and first.status == 'running' and first.locked_until > first.started
    assert [j.id for j in client.start_jobs_by_type(None, 'h', 60000, 5)] == [batch[1].id, job.id]
    assert client.start_job_by_type(None, 'h') is None
    assert client.extend_job(None, first.id, 120000).locked_until > first.locked_until
    assert client.abort_job(None, first.id).status == 'queued'
    assert client.start_job_by_id(None, first.id, 1000).retries == 2
    assert client.complete_job(None, first.id, 'ok').result == 'ok'
    # attempts left, so it goes back to the queue after a backoff
    retried = client.fail_job(None, batch[1].id, 'bad')
    assert retried.status == 'queued' and retried.last_error.startswith('bad; retry 2 of')
    with pytest.raises(ConflictException):
        client.complete_job(None, first.id)
    assert client.delete_job_by_id(None, job.id).status == 'aborted'  # deleted while running
    with pytest.raises(NotFoundException):
        client.get_job_by_id(None, job.id)
    client.delete_jobs(None)
    assert client.get_jobs(None).data == []
    with pytest.raises(BadRequestException):
        client.add_job(None, NewJobV1(type='h', priority=9))


def _post(url, command, body=None):
    return requests.post(f'{url}/v1/jobs/{command}', json=body, timeout=10)


def test_every_seed_route_over_raw_http(memory_service):
    url = memory_service
    r = _post(url, 'add_job', {'new_job': {'type': 'raw', 'ref_id': 'x', 'ttl': 60000, 'params': [1]}})
    assert r.status_code == 200
    job = r.json()
    assert job['type'] == 'raw' and job['execute_until'].endswith('Z') and job['status'] == 'queued'
    assert _post(url, 'add_uniq_job', {'new_job': {'type': 'raw', 'ref_id': 'x'}}).json()['id'] == job['id']
    page = _post(url, 'get_jobs', {'filter': {'ref_id': 'x', 'created_from': job['created']},
                                   'paging': {'skip': 0, 'take': 10, 'total': True}}).json()
    assert page['total'] == 1
    assert _post(url, 'get_job_by_id', {'job_id': job['id']}).json()['id'] == job['id']
    assert _post(url, 'start_job_by_type', {'type': 'none-here', 'timeout': 1000}).status_code == 204
    assert _post(url, 'start_job_by_type', {'type': 'raw', 'timeout': 1000}).json()['retries'] == 1
    assert _post(url, 'extend_job', {'job_id': job['id'], 'timeout': 5000}).status_code == 200
    assert _post(url, 'abort_job', {'job_id': job['id']}).json()['status'] == 'queued'
    assert _post(url, 'start_job_by_id', {'job_id': job['id'], 'timeout': 1000}).json()['status'] == 'running'
    assert _post(url, 'complete_job', {'job_id': job['id']}).json()['status'] == 'done'
    r = _post(url, 'complete_job', {'job_id': job['id']})
    assert r.status_code == 409 and r.json()['code'] == 'JOB_FINISHED'
    assert _post(url, 'delete_job_by_id', {'job_id': job['id']}).json()['id'] == job['id']
    r = _post(url, 'get_job_by_id', {'job_id': job['id']})
    assert r.status_code == 404 and r.json()['code'] == 'JOB_NOT_FOUND'
    assert _post(url, 'delete_jobs', {}).status_code == 204
    r = requests.post(f'{url}/v1/jobs/add_job', data='{"new_job": {"type": "curl"}}', timeout=10)  # no content type
    assert r.status_code == 200 and r.json()['type'] == 'curl'


@pytest.mark.parametrize('command, body', [
    ('add_job', {}),                                                  # missing new_job
    ('add_job', {'new_job': {'params': 1}}),                          # missing type
    ('add_job', {'new_job': {'type': 't', 'priority': -1}}),          # negative priority
    ('add_job', {'new_job': {'type': 't', 'priority': 'high'}}),      # wrong type
    ('add_job', {'new_job': {'type': 't', 'ttl': -10}}),              # negative ttl
    ('add_jobs', {'new_jobs': 'x'}),                                  # not a list
    ('get_jobs', {'filter': {'created_from': 'yesterday'}}),          # bad date
    ('get_jobs', {'filter': {'retries': 'many'}}),                    # bad number
    ('get_jobs', {'paging': {'skip': 'x'}}),                          # bad paging
    ('get_job_by_id', {}),                                            # missing job_id
    ('start_job_by_type', {'timeout': 10}),                           # missing type
    ('start_job_by_type', {'type': 't', 'timeout': -10}),             # negative timeout
    ('start_jobs_by_type', {'type': 't', 'limit': 0}),                # bad limit
    ('no_such_command', {}),
])
def test_bad_input_is_400(memory_service, command, body):
    r = _post(memory_service, command, body)
    assert r.status_code == 400, r.text
    assert r.json()['status'] == 400 and r.json()['code'] and 'stack_trace' not in r.json()


@pytest.mark.parametrize('data', ['{not json', '[1]', '"text"'])
def test_non_json_body_is_400(memory_service, data):
    r = requests.post(f'{memory_service}/v1/jobs/add_job', data=data, timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_JSON'


def test_swagger_lists_the_commands(memory_service):
    swagger = requests.get(f'{memory_service}/v1/jobs/swagger', timeout=10)
    assert swagger.status_code == 200 and 'start_job_by_type' in swagger.text
