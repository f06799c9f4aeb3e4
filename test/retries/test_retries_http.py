"""The real container on a loopback port: every command through RetriesHttpClientV1 and raw HTTP."""
import pytest
import requests
from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException, NotFoundException

from service_background.retries.clients.version1 import RetriesHttpClientV1

from ..helpers import open_http_client


@pytest.fixture
def client(memory_service):
    c = open_http_client(RetriesHttpClientV1, memory_service)
    yield c
    c.close(None)


def test_every_command_through_the_http_client(client):
    retry = client.add_retry(None, 'g1', 'a', 10000)
    assert retry.attempt_count == 1 and retry.last_attempt_time.tzinfo is not None
    assert client.add_retry(None, 'g1', 'a', 10000).attempt_count == 2
    assert [r.id for r in client.add_retries(None, 'g2', ['x', 'y'], 10000)] == ['x', 'y']
    assert client.get_group_names(None) == ['g1', 'g2']
    fetched = client.get_retry_by_id(None, 'g1', 'a')
    assert fetched.attempt_count == 2 and fetched.expiration_time > fetched.last_attempt_time
    assert [r.id for r in client.get_retry_by_ids(None, 'g2', ['y', 'x'])] == ['y', 'x']
    page = client.get_retries(None, FilterParams.from_tuples('group', 'g2'), PagingParams(0, 1, True))
    assert page.total == 2 and len(page.data) == 1
    client.delete_retry(None, 'g2', 'x')
    with pytest.raises(NotFoundException):
        client.get_retry_by_id(None, 'g2', 'x')
    client.add_retry(None, 'g3', 'expired', 0)
    client.delete_expired(None)
    assert client.get_group_names(None) == ['g1', 'g2']
    with pytest.raises(BadRequestException):
        client.add_retry(None, '', 'a')


def _post(url, command, body=None, **kwargs):
    return requests.post(f'{url}/v1/retries/{command}', json=body, timeout=10, **kwargs)


def test_every_route_over_raw_http(memory_service):
    url = memory_service
    r = _post(url, 'add_retry', {'group': 'g', 'id': '1', 'ttl': 60000})
    assert r.status_code == 200
    body = r.json()
    assert body['id'] == '1' and body['group'] == 'g' and body['attempt_count'] == 1
    assert body['last_attempt_time'].endswith('Z') and body['expiration_time'].endswith('Z')
    r = _post(url, 'add_retries', {'group': 'g', 'ids': ['1', '2'], 'ttl': 60000})
    assert [(x['id'], x['attempt_count']) for x in r.json()] == [('1', 2), ('2', 1)]
    assert _post(url, 'get_group_names').json() == ['g']
    r = _post(url, 'get_retries', {'filter': {'group': 'g'}, 'paging': {'skip': 0, 'take': 10, 'total': True}})
    assert r.json()['total'] == 2 and len(r.json()['data']) == 2
    assert _post(url, 'get_retry_by_id', {'group': 'g', 'id': '2'}).json()['attempt_count'] == 1
    assert [x['id'] for x in _post(url, 'get_retry_by_ids', {'group': 'g', 'ids': ['2', '1']}).json()] == ['2', '1']
    assert _post(url, 'delete_retry', {'group': 'g', 'id': '2'}).status_code == 204
    r = _post(url, 'get_retry_by_id', {'group': 'g', 'id': '2'})
    assert r.status_code == 404 and r.json()['code'] == 'RETRY_NOT_FOUND'
    assert _post(url, 'delete_expired').status_code == 204
    # curl -d sends no JSON content type: the body is still read
    r = requests.post(f'{url}/v1/retries/get_retry_by_id', data='{"group": "g", "id": "1"}', timeout=10)
    assert r.status_code == 200 and r.json()['attempt_count'] == 2


@pytest.mark.parametrize('command, body', [
    ('add_retry', {'id': '1', 'ttl': 10}),                       # missing group
    ('add_retry', {'group': 'g', 'ttl': 10}),                    # missing id
    ('add_retry', {'group': 'g', 'id': 1, 'ttl': 10}),           # wrong type
    ('add_retry', {'group': 'g', 'id': '1', 'ttl': 'ten'}),      # wrong type
    ('add_retry', {'group': 'g', 'id': '1', 'ttl': -5}),         # negative ttl
    ('add_retries', {'group': 'g', 'ids': 7}),                   # ids not a list
    ('get_retry_by_ids', {'group': 'g'}),                        # missing ids
    ('get_retries', {'paging': {'skip': 'x'}}),                  # bad paging
    ('get_retries', {'filter': {'last_attempt_time': 'yesterday'}}),  # bad date
    ('no_such_command', {}),                                     # unknown command
])
def test_bad_input_is_400_with_error_description(memory_service, command, body):
    r = _post(memory_service, command, body)
    assert r.status_code == 400, r.text
    error = r.json()
    assert error['status'] == 400 and error['code'] and error['message']
    assert 'stack_trace' not in error


@pytest.mark.parametrize('data', ['{not json', '[1, 2]', '"text"'])
def test_non_json_or_non_object_body_is_400(memory_service, data):
    r = requests.post(f'{memory_service}/v1/retries/add_retry', data=data,
                      headers={'Content-Type': 'application/json'}, timeout=10)
    assert r.status_code == 400
    assert r.json()['code'] == 'BAD_JSON'


def test_unknown_route_and_method_are_error_descriptions(memory_service):
    r = requests.get(f'{memory_service}/v1/retries/get_group_names', timeout=10)
    assert r.status_code == 405 and r.json()['status'] == 405
    r = requests.get(f'{memory_service}/nowhere', timeout=10)
    assert r.status_code == 404 and r.json()['code'] == 'NOT_FOUND'


def test_status_heartbeat_and_swagger_are_served(memory_service):
    assert requests.get(f'{memory_service}/heartbeat', timeout=10).status_code == 200
    status = requests.get(f'{memory_service}/status', timeout=10)
    assert status.status_code == 200 and 'service-background' in status.text
    swagger = requests.get(f'{memory_service}/v1/retries/swagger', timeout=10)
    assert swagger.status_code == 200 and 'add_retries' in swagger.text
