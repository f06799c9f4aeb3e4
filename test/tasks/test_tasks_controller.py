"""Controller rules through the direct client, wired by references as the container does."""
import threading
import time

import pytest
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException
from pip_services3_commons.refer import Descriptor

from service_background.tasks.clients.version1 import TasksDirectClientV1
from service_background.tasks.data.version1 import NamespaceV1, TaskV1
from service_background.tasks.logic import TasksController
from service_background.tasks.persistence import TasksMemoryPersistence

from ..helpers import wire


def _wire(persistence, sweep_interval=0):
    controller = TasksController()
    controller.configure(ConfigParams.from_tuples('options.sweep_interval', sweep_interval))
    persistence, controller, client = wire(
        Descriptor('service-background-tasks', 'persistence', 'memory', 'default', '1.0'), persistence,
        Descriptor('service-background-tasks', 'controller', 'default', 'default', '1.0'), controller,
        Descriptor('service-background-tasks', 'client', 'direct', 'default', '1.0'), TasksDirectClientV1())
    return controller, client


@pytest.fixture
def client():
    controller, client = _wire(TasksMemoryPersistence())
    client.create_namespace(None, NamespaceV1('ns'))
    yield client
    controller.close(None)


def test_defaults_and_explicit_zeros(client):
    before = int(time.time())
    task = client.create_task(None, {'id': 'a', 'namespace_id': 'ns'})
    assert (task.timeout, task.retries_left, task.status) == (360, 5, 'idle')
    assert before <= task.updated_at <= int(time.time())
    task = client.create_task(None, {'id': 'b', 'namespace_id': 'ns', 'timeout': 0, 'retries_left': 0,
                                     'status': 'done', 'updated_at': 5})
    assert (task.timeout, task.retries_left, task.status) == (0, 0, 'done')
    assert task.updated_at >= before  # the service stamps it
    task = client.create_task(None, TaskV1(id='c', namespace_id='ns', timeout=None, retries_left=None, status=None))
    assert (task.timeout, task.retries_left, task.status) == (360, 5, 'idle')
    assert client.get_task(None, 'b').retries_left == 0


def test_reads_of_missing_things_are_none_and_deletes_are_404(client):
    assert client.get_namespace(None, 'nope') is None
    assert client.get_task(None, 'nope') is None
    with pytest.raises(NotFoundException):
        client.delete_namespace(None, 'nope')
    with pytest.raises(NotFoundException):
        client.delete_task(None, 'nope')


def test_a_task_needs_its_namespace(client):
    for call in (lambda: client.create_task(None, {'id': 'x', 'namespace_id': 'nope'}),
                 lambda: client.get_tasks(None, 'nope'),
                 lambda: client.capture_tasks(None, 'nope', 1)):
        with pytest.raises(NotFoundException) as error:
            call()
        assert error.value.code == 'NAMESPACE_NOT_FOUND'


def test_duplicates_conflict(client):
    client.create_task(None, {'id': 'a', 'namespace_id': 'ns'})
    client.create_namespace(None, NamespaceV1('other'))
    with pytest.raises(ConflictException):
        client.create_namespace(None, NamespaceV1('ns'))
    with pytest.raises(ConflictException):
        client.create_task(None, {'id': 'a', 'namespace_id': 'other'})


@pytest.mark.parametrize('task', [
    {'namespace_id': 'ns'}, {'id': '', 'namespace_id': 'ns'}, {'id': '  ', 'namespace_id': 'ns'},
    {'id': 'x' * 257, 'namespace_id': 'ns'}, {'id': 5, 'namespace_id': 'ns'}, {'id': 'a'},
    {'id': 'a', 'namespace_id': 'ns', 'timeout': -1}, {'id': 'a', 'namespace_id': 'ns', 'timeout': 'long'},
    {'id': 'a', 'namespace_id': 'ns', 'timeout': 1.5}, {'id': 'a', 'namespace_id': 'ns', 'retries_left': True},
    {'id': 'a', 'namespace_id': 'ns', 'retries_left': 2 ** 40}, {'id': 'a', 'namespace_id': 'ns', 'status': 'new'},
    'not an object'])
def test_bad_tasks_are_bad_requests(client, task):
    with pytest.raises(BadRequestException):
        client.create_task(None, task)


def test_ids_of_256_characters_are_fine(client):
    client.create_namespace(None, NamespaceV1('n' * 256))
    assert client.create_task(None, {'id': 'x' * 256, 'namespace_id': 'n' * 256}).id == 'x' * 256


@pytest.mark.parametrize('limit', [None, 0, 1001, -1, 'ten', 2.5, True, '1.5'])
def test_bad_limit_is_bad_request(client, limit):
    with pytest.raises(BadRequestException):
        client.capture_tasks(None, 'ns', limit)


def test_limit_bounds(client):
    for i in range(3):
        client.create_task(None, {'id': f't{i}', 'namespace_id': 'ns'})
    assert len(client.capture_tasks(None, 'ns', '1')) == 1
    assert len(client.capture_tasks(None, 'ns', 1000)) == 2


@pytest.mark.parametrize('ids, status', [([], 'done'), ('', 'done'), (['a'], 'finished'), (['a'], None),
                                         (['a'], 'in_progress'), ([''], 'done'), ([7], 'done'), (None, 'done')])
def test_bad_release_is_bad_request(client, ids, status):
    with pytest.raises(BadRequestException):
        client.release_tasks(None, ids, status)


def test_release_lists_unknown_ids_once(client):
    client.create_task(None, {'id': 'a', 'namespace_id': 'ns'})
    result = client.release_tasks(None, ['a', 'x', 'a', 'x'], 'failed')
    assert [t.id for t in result.list] == ['a'] and result.not_found == ['x']


def test_sweeper_returns_a_silent_task_then_fails_it():
    others = {t for t in threading.enumerate() if t.name == 'tasks-sweeper'}  # left by a failed container open
    controller, client = _wire(TasksMemoryPersistence(), sweep_interval=100)
    ours = {t for t in threading.enumerate() if t.name == 'tasks-sweeper'} - others
    assert len(ours) == 1
    try:
        client.create_namespace(None, NamespaceV1('ns'))
        client.create_task(None, {'id': 'slow', 'namespace_id': 'ns', 'timeout': 1, 'retries_left': 2})
        assert [t.retries_left for t in client.capture_tasks(None, 'ns', 10)] == [1]

        def wait_for(status):
            deadline = time.time() + 10
            while time.time() < deadline:
                if client.get_task(None, 'slow').status == status:
                    return client.get_task(None, 'slow')
                time.sleep(0.05)
            raise AssertionError(f'task never became {status}')

        started = time.time()
        task = wait_for('idle')
        assert time.time() - started >= 0.9  # not before its timeout
        assert task.retries_left == 1
        assert [t.id for t in client.capture_tasks(None, 'ns', 10)] == ['slow']
        task = wait_for('failed')
        assert task.retries_left == 0
        assert client.capture_tasks(None, 'ns', 10) == []
    finally:
        controller.close(None)
    assert not any(t.is_alive() for t in ours), 'close stops the sweeper'


def test_sweeper_survives_its_errors():
    class Flaky(TasksMemoryPersistence):
        calls = 0

        def sweep(self, correlation_id, now):
            Flaky.calls += 1
            if Flaky.calls <= 2:
                raise RuntimeError('disk on fire')
            return super().sweep(correlation_id, now)

    controller, client = _wire(Flaky(), sweep_interval=50)
    try:
        deadline = time.time() + 5
        while time.time() < deadline and Flaky.calls < 4:
            time.sleep(0.05)
        assert Flaky.calls >= 4
    finally:
        controller.close(None)
