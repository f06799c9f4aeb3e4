"""Fenced captures: a capture stamps a fresh lease_token per task; a release whose
``lease_tokens`` names a token that is not current is a 409 LEASE_LOST that changes nothing; without
the map a release is unfenced (seed behaviour). On memory, file and MongoDB, and on both HTTP faces."""
import pytest
import requests
from pip_services3_commons.errors import ConflictException

from service_background.tasks.data.version1 import NamespaceV1, TaskV1


def _setup(persistence, count=3, timeout=1):
    persistence.create_namespace(None, NamespaceV1('ns'))
    for i in range(count):
        persistence.create_task(None, TaskV1(f't{i}', 'ns', timeout=timeout, updated_at=1000))


def test_capture_stamps_tokens_and_a_stale_release_changes_nothing(persistence):
    _setup(persistence)
    first = persistence.capture_tasks(None, 'ns', 3, 2000)
    assert len(first) == 3 and len({t.lease_token for t in first}) == 3 and all(t.lease_token for t in first)
    stale = {t.id: t.lease_token for t in first}
    assert persistence.sweep(None, 2000 + 5) == 3  # timed out: back to idle, token cleared
    assert all(t.lease_token is None and t.status == 'idle' for t in persistence.get_tasks(None, 'ns'))
    second = {t.id: t for t in persistence.capture_tasks(None, 'ns', 3, 3000)}
    assert all(second[id].lease_token != stale[id] for id in stale)
    before = [t.to_json() for t in persistence.get_tasks(None, 'ns')]
    with pytest.raises(ConflictException) as info:
        persistence.release_tasks(None, ['t0', 't1'], 'done', 3001, {'t0': second['t0'].lease_token, 't1': stale['t1']})
    assert info.value.code == 'LEASE_LOST'
    assert [t.to_json() for t in persistence.get_tasks(None, 'ns')] == before  # nothing changed, t0 included
    result = persistence.release_tasks(None, ['t0', 't1', 'gone'], 'done', 3002,
                                       {'t0': second['t0'].lease_token, 't1': second['t1'].lease_token})
    assert sorted(t.id for t in result.list) == ['t0', 't1'] and result.not_found == ['gone']
    assert all(t.status == 'done' and t.lease_token is None for t in result.list)
    # unfenced: any caller releases (seed behaviour)
    result = persistence.release_tasks(None, ['t2'], 'failed', 3003)
    assert result.list[0].status == 'failed' and result.list[0].lease_token is None


def test_sweeper_leaves_a_task_captured_again(persistence):
    _setup(persistence, 1, timeout=10)
    task = persistence.capture_tasks(None, 'ns', 1, 2000)[0]
    assert persistence.sweep(None, 2005) == 0  # not timed out yet
    assert persistence.get_task(None, task.id).lease_token == task.lease_token


@pytest.fixture
def service(store_service):
    return store_service


def test_both_faces_fence_releases(service):
    url = service
    assert requests.post(f'{url}/v1/namespace', json={'id': 'N'}, timeout=10).status_code == 201
    for id in ('a', 'b'):
        assert requests.post(f'{url}/v1/task', json={'id': id, 'namespace_id': 'N'}, timeout=10).status_code == 201
    idle = requests.get(f'{url}/v1/task/a', timeout=10).json()
    assert 'lease_token' not in idle  # the seed's shape while no lease is held
    captured = requests.get(f'{url}/v1/task/capture', params={'namespace_id': 'N', 'limit': 2}, timeout=10).json()
    tokens = {t['id']: t['lease_token'] for t in captured['list']}
    assert len(tokens) == 2 and all(tokens.values())
    # REST face: a wrong token is refused and nothing changes
    r = requests.put(f'{url}/v1/task/release', json={'task_ids': ['a', 'b'], 'status': 'done',
                                                     'lease_tokens': {'a': tokens['a'], 'b': 'stale'}}, timeout=10)
    assert r.status_code == 409 and r.json()['code'] == 'LEASE_LOST', r.text
    assert requests.get(f'{url}/v1/task/a', timeout=10).json()['status'] == 'in_progress'
    # commandable face: same rule
    r = requests.post(f'{url}/v1/tasks/release_tasks', json={'task_ids': ['b'], 'status': 'done',
                                                             'lease_tokens': {'b': tokens['a']}}, timeout=10)
    assert r.status_code == 409 and r.json()['code'] == 'LEASE_LOST', r.text
    r = requests.post(f'{url}/v1/tasks/release_tasks', json={'task_ids': ['b'], 'status': 'done',
                                                             'lease_tokens': 'x'}, timeout=10)
    assert r.status_code == 400
    r = requests.put(f'{url}/v1/task/release', json={'task_ids': ['a', 'b'], 'status': 'done',
                                                     'lease_tokens': tokens}, timeout=10)
    assert r.status_code == 200 and sorted(t['id'] for t in r.json()['list']) == ['a', 'b']
    # unfenced release keeps the seed behaviour
    r = requests.put(f'{url}/v1/task/release', json={'task_ids': ['a'], 'status': 'idle'}, timeout=10)
    assert r.status_code == 200 and r.json()['list'][0]['status'] == 'idle'
