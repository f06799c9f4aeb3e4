"""The seed's REST routes (tasks-rest-v1) against the real container on a loopback port, on memory, file
and MongoDB persistences."""
import threading

import pytest
import requests


@pytest.fixture
def url(store_service):
    return store_service + '/v1'


def _ns(url, id='Infrastructure'):
    r = requests.post(f'{url}/namespace', data=f'{{"id": "{id}"}}', timeout=10)  # curl -d: no content type
    assert r.status_code == 201, r.text
    return r


def test_namespace_routes(url):
    assert requests.get(f'{url}/namespace', timeout=10).json() == {'list': []}
    assert _ns(url).json() == {'id': 'Infrastructure'}
    _ns(url, 'Alpha')
    assert requests.get(f'{url}/namespace', timeout=10).json() == {'list': [{'id': 'Alpha'}, {'id': 'Infrastructure'}]}
    r = requests.get(f'{url}/namespace/Infrastructure', timeout=10)
    assert r.status_code == 200 and r.json() == {'id': 'Infrastructure'}
    r = requests.get(f'{url}/namespace/Missing', timeout=10)
    assert r.status_code == 204 and r.content == b''
    r = requests.post(f'{url}/namespace', json={'id': 'Alpha'}, timeout=10)
    assert r.status_code == 409 and r.json()['code'] == 'NAMESPACE_EXISTS'
    r = requests.delete(f'{url}/namespace/Alpha', timeout=10)
    assert r.status_code == 200 and r.json() == {'id': 'Alpha'}
    assert requests.get(f'{url}/namespace/Alpha', timeout=10).status_code == 204
    r = requests.delete(f'{url}/namespace/Alpha', timeout=10)
    assert r.status_code == 404 and r.json()['code'] == 'NAMESPACE_NOT_FOUND'


def test_task_routes_capture_and_release(url):
    _ns(url)
    seed_body = {'id': 'Backup_Test_Shards1-10', 'namespace_id': 'Infrastructure', 'timeout': 360,
                 'retries_left': 5, 'status': 'idle'}
    r = requests.post(f'{url}/task', json=seed_body, timeout=10)
    assert r.status_code == 201
    created = r.json()
    assert {k: created[k] for k in seed_body} == seed_body and isinstance(created['updated_at'], int)
    r = requests.post(f'{url}/task', json={'id': 'defaults', 'namespace_id': 'Infrastructure'}, timeout=10)
    assert {k: r.json()[k] for k in ('timeout', 'retries_left', 'status')} == {'timeout': 360, 'retries_left': 5,
                                                                               'status': 'idle'}
    r = requests.post(f'{url}/task', json={'id': 'zero', 'namespace_id': 'Infrastructure', 'retries_left': 0},
                      timeout=10)
    assert r.json()['retries_left'] == 0

    listed = requests.get(f'{url}/task', params={'namespace_id': 'Infrastructure'}, timeout=10).json()['list']
    assert sorted(t['id'] for t in listed) == ['Backup_Test_Shards1-10', 'defaults', 'zero']
    assert set(listed[0]) == {'id', 'namespace_id', 'timeout', 'retries_left', 'updated_at', 'status'}

    r = requests.get(f'{url}/task/Backup_Test_Shards1-10', timeout=10)
    assert r.status_code == 200 and r.json() == created
    r = requests.get(f'{url}/task/Missing', timeout=10)
    assert r.status_code == 204 and r.content == b''

    r = requests.get(f'{url}/task/capture', params={'namespace_id': 'Infrastructure', 'limit': 10}, timeout=10)
    assert r.status_code == 200
    captured = r.json()['list']
    assert sorted(t['id'] for t in captured) == ['Backup_Test_Shards1-10', 'defaults']  # zero has no retry
    assert all(t['status'] == 'in_progress' and t['retries_left'] == 4 for t in captured)
    assert requests.get(f'{url}/task/capture', params={'namespace_id': 'Infrastructure', 'limit': 10},
                        timeout=10).json() == {'list': []}

    r = requests.put(f'{url}/task/release', data='{"status": "done", "task_ids": ["Backup_Test_Shards1-10", "ghost"]}',
                     timeout=10)
    assert r.status_code == 200
    assert [t['id'] for t in r.json()['list']] == ['Backup_Test_Shards1-10'] and r.json()['not_found'] == ['ghost']
    assert requests.get(f'{url}/task/Backup_Test_Shards1-10', timeout=10).json()['status'] == 'done'
    r = requests.put(f'{url}/task/release', json={'status': 'failed', 'task_ids': ['defaults']}, timeout=10)
    assert r.json()['list'][0]['status'] == 'failed'
    again = requests.get(f'{url}/task/capture?namespace_id=Infrastructure&limit=1', timeout=10).json()['list']
    assert [(t['id'], t['retries_left']) for t in again] == [('defaults', 3)]

    r = requests.delete(f'{url}/task/zero', timeout=10)
    assert r.status_code == 200 and r.json()['id'] == 'zero'
    assert requests.get(f'{url}/task/zero', timeout=10).status_code == 204
    assert requests.delete(f'{url}/task/zero', timeout=10).status_code == 404

    requests.delete(f'{url}/namespace/Infrastructure', timeout=10).raise_for_status()
    assert requests.get(f'{url}/task/defaults', timeout=10).status_code == 204


@pytest.mark.parametrize('method, path, body, status', [
    ('POST', '/namespace', {}, 400),
    ('POST', '/namespace', {'id': ''}, 400),
    ('POST', '/namespace', {'id': 'x' * 257}, 400),
    ('POST', '/namespace', '[1]', 400),
    ('POST', '/namespace', '{bad json', 400),
    ('POST', '/task', {'namespace_id': 'ns'}, 400),
    ('POST', '/task', {'id': 't', 'namespace_id': 'ns', 'timeout': -5}, 400),
    ('POST', '/task', {'id': 't', 'namespace_id': 'ns', 'retries_left': 'many'}, 400),
    ('POST', '/task', {'id': 't', 'namespace_id': 'ns', 'status': 'paused'}, 400),
    ('POST', '/task', {'id': 't', 'namespace_id': 'nowhere'}, 404),
    ('POST', '/task', {'id': 'taken', 'namespace_id': 'ns'}, 409),
    ('GET', '/task', None, 400),
    ('GET', '/task?namespace_id=nowhere', None, 404),
    ('GET', '/task/capture?namespace_id=ns', None, 400),
    ('GET', '/task/capture?namespace_id=ns&limit=0', None, 400),
    ('GET', '/task/capture?namespace_id=ns&limit=1001', None, 400),
    ('GET', '/task/capture?namespace_id=ns&limit=abc', None, 400),
    ('GET', '/task/capture?limit=5', None, 400),
    ('GET', '/task/capture?namespace_id=nowhere&limit=5', None, 404),
    ('PUT', '/task/release', {'status': 'done'}, 400),
    ('PUT', '/task/release', {'status': 'done', 'task_ids': []}, 400),
    ('PUT', '/task/release', {'status': 'finished', 'task_ids': ['taken']}, 400),
    ('PUT', '/task/release', {'task_ids': ['taken']}, 400),
    ('PUT', '/task/release', 'null', 400),
    ('GET', '/task/' + 'x' * 257, None, 400),
    ('DELETE', '/namespace/' + 'x' * 257, None, 400),
])
def test_bad_requests_are_error_descriptions(url, method, path, body, status):
    _ns(url, 'ns')
    requests.post(f'{url}/task', json={'id': 'taken', 'namespace_id': 'ns'}, timeout=10).raise_for_status()
    kwargs = {'data': body} if isinstance(body, str) else {'json': body}
    r = requests.request(method, f'{url}{path}', timeout=10, **kwargs)
    assert r.status_code == status, r.text
    error = r.json()
    assert error['status'] == status and error['code'] and error['message'] and 'stack_trace' not in error


def test_unknown_method_is_an_error_description(url):
    r = requests.patch(f'{url}/task/x', timeout=10)
    assert r.status_code == 405 and r.json()['status'] == 405


def test_concurrent_http_captures_never_share_a_task(url):
    _ns(url, 'par')
    session = requests.Session()
    for i in range(300):
        session.post(f'{url}/task', json={'id': f'p{i}', 'namespace_id': 'par'}, timeout=10).raise_for_status()
    seen, errors, guard = [], [], threading.Lock()

    def worker():
        s = requests.Session()
        try:
            while True:
                r = s.get(f'{url}/task/capture', params={'namespace_id': 'par', 'limit': 10}, timeout=30)
                r.raise_for_status()
                ids = [t['id'] for t in r.json()['list']]
                if not ids:
                    return
                with guard:
                    seen.extend(ids)
                s.put(f'{url}/task/release', json={'status': 'done', 'task_ids': ids}, timeout=30).raise_for_status()
        except Exception as ex:
            errors.append(repr(ex))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert errors == []
    assert sorted(seen) == sorted(f'p{i}' for i in range(300))


def test_non_ascii_ids_in_paths_and_queries(url):
    requests.post(f"{url}/namespace", json={"id": "Инфра ü"}, timeout=10).raise_for_status()
    r = requests.post(f'{url}/task', json={'id': 'задача/1', 'namespace_id': 'Инфра ü'}, timeout=10)
    assert r.status_code == 201
    assert requests.get(f'{url}/namespace/Инфра ü', timeout=10).json() == {'id': 'Инфра ü'}
    assert requests.get(f'{url}/task/задача/1', timeout=10).json()['namespace_id'] == 'Инфра ü'
    listed = requests.get(f'{url}/task', params={'namespace_id': 'Инфра ü'}, timeout=10).json()['list']
    assert [t['id'] for t in listed] == ['задача/1']
    r = requests.get(f'{url}/task/capture', params={'namespace_id': 'Инфра ü', 'limit': 2}, timeout=10)
    assert [t['id'] for t in r.json()['list']] == ['задача/1']
