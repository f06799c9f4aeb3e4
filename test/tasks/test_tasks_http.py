"""The commandable face (POST /v1/tasks/<command>) through TasksHttpClientV1 and raw HTTP, and the
file configuration across a container restart."""
import pytest
import requests
from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException

from service_background.tasks.clients.version1 import TasksHttpClientV1
from service_background.tasks.data.version1 import NamespaceV1, TaskV1

from ..helpers import open_http_client, running_container, unique_name


def _client(base_url):
    return open_http_client(TasksHttpClientV1, base_url)


@pytest.fixture
def client(memory_service):
    c = _client(memory_service)
    yield c
    c.close(None)


def test_every_command_through_the_http_client(client):
    assert client.get_namespaces(None) == []
    assert client.create_namespace(None, NamespaceV1('ns')) == NamespaceV1('ns')
    assert client.get_namespaces(None) == [NamespaceV1('ns')]
    assert client.get_namespace(None, 'ns') == NamespaceV1('ns')
    assert client.get_namespace(None, 'missing') is None
    task = client.create_task(None, TaskV1(id='a', namespace_id='ns', timeout=None, retries_left=None))
    assert isinstance(task, TaskV1) and (task.timeout, task.retries_left, task.status) == (360, 5, 'idle')
    client.create_task(None, TaskV1(id='b', namespace_id='ns', retries_left=0))
    assert client.get_task(None, 'b').retries_left == 0
    assert client.get_task(None, 'missing') is None
    assert sorted(t.id for t in client.get_tasks(None, 'ns')) == ['a', 'b']
    captured = client.capture_tasks(None, 'ns', 5)
    assert [(t.id, t.status, t.retries_left) for t in captured] == [('a', 'in_progress', 4)]
    released = client.release_tasks(None, ['a', 'nope'], 'done')
    assert [t.status for t in released.list] == ['done'] and released.not_found == ['nope']
    assert client.delete_task(None, 'b').id == 'b'
    with pytest.raises(NotFoundException):
        client.delete_task(None, 'b')
    with pytest.raises(ConflictException):
        client.create_namespace(None, NamespaceV1('ns'))
    with pytest.raises(BadRequestException):
        client.capture_tasks(None, 'ns', 0)
    assert client.delete_namespace(None, 'ns') == NamespaceV1('ns')
    assert client.get_task(None, 'a') is None
    with pytest.raises(NotFoundException):
        client.delete_namespace(None, 'ns')


@pytest.mark.parametrize('command, body, status', [
    ('create_namespace', {}, 400),
    ('create_namespace', {'namespace': {'id': 3}}, 400),
    ('create_task', {'task': {'id': 'x'}}, 400),
    ('create_task', {'task': {'id': 'x', 'namespace_id': 'none'}}, 404),
    ('capture_tasks', {'namespace_id': 'ns'}, 400),
    ('capture_tasks', {'namespace_id': 'ns', 'limit': 5000}, 400),
    ('release_tasks', {'task_ids': ['a'], 'status': 'gone'}, 400),
    ('get_task', {}, 400),
    ('no_such_command', {}, 400),
])
def test_bad_commands_are_error_descriptions(memory_service, command, body, status):
    requests.post(f'{memory_service}/v1/tasks/create_namespace', json={'namespace': {'id': 'ns'}}, timeout=10)
    r = requests.post(f'{memory_service}/v1/tasks/{command}', json=body, timeout=10)
    assert r.status_code == status, r.text
    assert r.json()['status'] == status and r.json()['code']


def test_missing_reads_are_204_over_raw_http(memory_service):
    for command, body in (('get_namespace', {'namespace_id': 'x'}), ('get_task', {'task_id': 'x'})):
        r = requests.post(f'{memory_service}/v1/tasks/{command}', json=body, timeout=10)
        assert r.status_code == 204 and r.content == b''


def test_swagger_lists_the_commands(memory_service):
    r = requests.get(f'{memory_service}/v1/tasks/swagger', timeout=10)
    assert r.status_code == 200 and 'capture_tasks' in r.text


def test_file_configuration_survives_a_restart(file_service_factory):
    with file_service_factory() as url:
        requests.post(f'{url}/v1/namespace', json={'id': 'ns'}, timeout=10).raise_for_status()
        for id in ('a', 'b'):
            requests.post(f'{url}/v1/task', json={'id': id, 'namespace_id': 'ns'}, timeout=10).raise_for_status()
        taken = requests.get(f'{url}/v1/task/capture?namespace_id=ns&limit=1', timeout=10).json()['list']
    with file_service_factory() as url:
        assert requests.get(f'{url}/v1/namespace', timeout=10).json() == {'list': [{'id': 'ns'}]}
        assert requests.get(f'{url}/v1/task/{taken[0]["id"]}', timeout=10).json()['status'] == 'in_progress'
        rest = requests.get(f'{url}/v1/task/capture?namespace_id=ns&limit=5', timeout=10).json()['list']
        assert [t['id'] for t in rest] == [id for id in ('a', 'b') if id != taken[0]['id']]


def test_tasks_alone_on_mongodb_through_the_config(mongo_uri):
    alone = {'RETRIES_DISABLED': 'true', 'JOBS_DISABLED': 'true', 'CRON_DISABLED': 'true'}
    with running_container(MONGO_ENABLED='true', MONGO_SERVICE_URI=mongo_uri, MONGO_DB=unique_name('db'),
                           **alone) as url:
        requests.post(f'{url}/v1/namespace', json={'id': 'm'}, timeout=10).raise_for_status()
        requests.post(f'{url}/v1/task', json={'id': 'mt', 'namespace_id': 'm'}, timeout=10).raise_for_status()
        captured = requests.get(f'{url}/v1/task/capture?namespace_id=m&limit=3', timeout=10).json()['list']
        assert [(t['id'], t['retries_left']) for t in captured] == [('mt', 4)]
        assert requests.post(f'{url}/v1/retries/get_group_names', json={}, timeout=10).status_code == 404
