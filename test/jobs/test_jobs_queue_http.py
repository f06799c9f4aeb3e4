"""The queue API on the real container (memory, file and MongoDB): every route and header, 204s,
long-polls, bad input."""
import threading
import time

import pytest
import requests

from service_background.jobs.clients.version1 import JobsQueueClient

from .receiver import CallbackReceiver


def test_enqueue_get_take_finish_delete(store_service):
    url = store_service
    r = requests.post(f'{url}/jobs', json={'queue': 'myQueue', 'params': {'param1': 'foo'}}, timeout=10)
    assert r.status_code == 202
    location = r.headers['Location']
    assert location.startswith('/jobs/')
    job_id = location.rsplit('/', 1)[1]
    got = requests.get(url + location, timeout=10).json()
    assert got['id'] == job_id and got['queue'] == 'myQueue' and got['status'] == 'queued'
    assert got['priority'] == 1 and got['params'] == {'param1': 'foo'}
    r = requests.post(f'{url}/want_job/', timeout=10)  # the API's first example has the trailing slash
    assert r.status_code == 200 and r.json()['id'] == job_id and r.json()['queue'] == 'myQueue'
    assert requests.post(f'{url}/want_job', timeout=10).status_code == 204
    r = requests.put(f'{url}/jobs/{job_id}', json={'status': 'done', 'result': 'bar'}, timeout=10)
    assert r.status_code == 200 and r.json()['status'] == 'done' and r.json()['result'] == 'bar'
    r = requests.delete(f'{url}/jobs/{job_id}', timeout=10)
    assert r.status_code == 200 and r.json()['result'] == 'bar' and r.json()['status'] == 'done'
    for method in ('get', 'put', 'delete'):
        r = requests.request(method, f'{url}/jobs/{job_id}', json={'status': 'done'}, timeout=10)
        assert r.status_code == 404 and r.json()['code'] == 'JOB_NOT_FOUND'


def test_queue_in_the_query_string_keeps_non_ascii_names(store_service):
    url = store_service
    r = requests.post(f'{url}/jobs', json={'queue': 'очередь', 'params': 1}, timeout=10)
    assert r.status_code == 202
    assert requests.post(f'{url}/want_job', params={'queue': 'other'}, timeout=10).status_code == 204
    r = requests.post(f'{url}/want_job', params={'queue': 'очередь'}, timeout=10)
    assert r.status_code == 200 and r.json()['queue'] == 'очередь'


def test_enqueue_headers(store_service):
    url = store_service
    headers = {'X-Accepted-Priority': '0', 'X-Accepted-Result-TTL': '0.3', 'X-Accepted-Job-Timeout': '0.2',
               'X-Accepted-Delay': '0.3', 'X-Accepted-Callback-URL': 'http://127.0.0.1:1/hook'}
    # 2 attempts and no backoff, so the PUT failed below (its last attempt) fails it for good
    r = requests.post(f'{url}/jobs', json={'queue': 'h', 'params': 1, 'max_retries': 2, 'backoff': {'base_ms': 0}},
                      headers=headers, timeout=10)
    job = r.json()
    assert job['priority'] == 0 and job['result_ttl'] == 300 and job['timeout'] == 200
    assert job['callback_url'] == 'http://127.0.0.1:1/hook'
    requests.post(f'{url}/jobs', json={'queue': 'h'}, headers={'X-Accepted-Priority': '3'}, timeout=10)
    taken = requests.post(f'{url}/want_job', json={'queue': 'h'}, timeout=10).json()
    assert taken['priority'] == 3  # the priority-0 job is still delayed
    taken = requests.post(f'{url}/want_job', json={'queue': 'h'}, headers={'X-Accepted-Block-For': '2'},
                          timeout=10).json()
    assert taken['id'] == job['id']
    lease = (taken['locked_until'], taken['started'])
    assert lease[0] > lease[1]
    # the job's own 0.2 s lease runs out: it is queued again with one more attempt counted
    again = requests.post(f'{url}/want_job?queue=h', headers={'X-Accepted-Block-For': '3'}, timeout=10).json()
    assert again['id'] == job['id'] and again['retries'] == 2
    requests.put(f'{url}/jobs/{job["id"]}', json={'status': 'failed', 'result': 'x'}, timeout=10)
    time.sleep(0.4)
    assert requests.get(f'{url}/jobs/{job["id"]}', timeout=10).status_code == 404  # result TTL passed


def test_take_lease_header_and_wait_result(store_service):
    url = store_service
    job_id = requests.post(f'{url}/jobs', json={'queue': 'w'}, timeout=10).headers['Location'].rsplit('/', 1)[1]
    taken = requests.post(f'{url}/want_job', headers={'X-Accepted-Timeout': '30'}, timeout=10).json()
    assert taken['id'] == job_id
    started = time.monotonic()
    r = requests.get(f'{url}/jobs/{job_id}', headers={'X-Accepted-Wait-Result': '0.3'}, timeout=10)
    assert r.json()['status'] == 'running' and time.monotonic() - started >= 0.25  # waited, then answered
    threading.Timer(0.3, lambda: requests.put(f'{url}/jobs/{job_id}', json={'status': 'done', 'result': 7},
                                              timeout=10)).start()
    started = time.monotonic()
    r = requests.get(f'{url}/jobs/{job_id}', headers={'X-Accepted-Wait-Result': '10'}, timeout=15)
    assert r.json()['status'] == 'done' and r.json()['result'] == 7 and time.monotonic() - started < 2


def test_blocked_want_job_wakes_within_a_second_of_an_enqueue(store_service):
    url = store_service
    result = {}

    def want():
        r = requests.post(f'{url}/want_job', json={'queue': 'wake'}, headers={'X-Accepted-Block-For': '20'},
                          timeout=30)
        result['job'] = r.json()
        result['at'] = time.monotonic()
    waiter = threading.Thread(target=want)
    waiter.start()
    time.sleep(0.5)
    enqueued = time.monotonic()
    requests.post(f'{url}/jobs', json={'queue': 'wake'}, timeout=10)
    waiter.join(10)
    assert result['job']['queue'] == 'wake' and result['at'] - enqueued < 1.0
    started = time.monotonic()
    r = requests.post(f'{url}/want_job', json={'queue': 'wake'}, headers={'X-Accepted-Block-For': '0.5'}, timeout=10)
    assert r.status_code == 204 and time.monotonic() - started >= 0.45


def test_a_hundred_blocked_clients_do_not_stall_the_endpoint(store_service):
    url = store_service
    got, errors, lock = [], [], threading.Lock()

    def want():
        try:
            r = requests.post(f'{url}/want_job', json={'queue': 'crowd'}, headers={'X-Accepted-Block-For': '30'},
                              timeout=60)
            with lock:
                got.append(r.json()['id'])
        except Exception as ex:  # reported below
            errors.append(ex)
    waiters = [threading.Thread(target=want) for _ in range(100)]
    for w in waiters:
        w.start()
    time.sleep(1.5)
    started = time.monotonic()
    for _ in range(10):  # other requests still get served promptly
        assert requests.get(f'{url}/heartbeat', timeout=5).status_code == 200
        assert requests.post(f'{url}/v1/jobs/get_jobs', json={}, timeout=5).status_code == 200
    assert time.monotonic() - started < 5
    assert got == []
    ids = set()
    for i in range(100):
        r = requests.post(f'{url}/jobs', json={'queue': 'crowd', 'params': i}, timeout=5)
        ids.add(r.headers['Location'].rsplit('/', 1)[1])
    for w in waiters:
        w.join(20)
    assert not errors and sorted(got) == sorted(ids)  # each waiter got a different job


def test_callback_header_posts_the_result(store_service):
    receiver = CallbackReceiver()
    try:
        url = store_service
        r = requests.post(f'{url}/jobs', json={'queue': 'cb'}, headers={'X-Accepted-Callback-URL': receiver.url},
                          timeout=10)
        job_id = r.json()['id']
        requests.post(f'{url}/want_job', timeout=10)
        requests.put(f'{url}/jobs/{job_id}', json={'status': 'done', 'result': 'bar'}, timeout=10)
        posted = receiver.wait(1)[0]
        assert posted['id'] == job_id and posted['result'] == 'bar' and posted['status'] == 'done'
    finally:
        receiver.close()


def test_queue_client_worker_loop(store_service):
    client = JobsQueueClient(store_service)
    try:
        added = [client.add_job('wq', {'n': i}, priority=1) for i in range(3)]
        done = []
        while True:
            job = client.want_job(block_for=0.2, timeout=30, queue='wq')
            if job is None:
                break
            done.append(client.finish(job.id, job.params['n'] * 2))
        assert [j.result for j in done] == [0, 2, 4] and all(j.status == 'done' for j in done)
        assert client.get_job(added[0].id, wait=1).result == 0
        assert client.delete_job(added[1].id).id == added[1].id
    finally:
        client.close()


@pytest.mark.parametrize('method, path, kwargs', [
    ('post', '/jobs', {'data': '{not json'}),
    ('post', '/jobs', {'data': '[1]'}),
    ('post', '/jobs', {'json': {'params': {}}}),                                      # missing queue
    ('post', '/jobs', {'json': {'queue': ''}}),
    ('post', '/jobs', {'json': {'queue': 'q'}, 'headers': {'X-Accepted-Priority': '-1'}}),
    ('post', '/jobs', {'json': {'queue': 'q'}, 'headers': {'X-Accepted-Priority': '4'}}),
    ('post', '/jobs', {'json': {'queue': 'q'}, 'headers': {'X-Accepted-Delay': 'soon'}}),
    ('post', '/jobs', {'json': {'queue': 'q'}, 'headers': {'X-Accepted-Result-TTL': '-5'}}),
    ('post', '/jobs', {'json': {'queue': 'q'}, 'headers': {'X-Accepted-Job-Timeout': 'nan'}}),
    ('post', '/jobs', {'json': {'queue': 'q'}, 'headers': {'X-Accepted-Callback-URL': 'nowhere'}}),
    ('post', '/want_job', {'headers': {'X-Accepted-Block-For': 'x'}}),
    ('post', '/want_job', {'headers': {'X-Accepted-Timeout': '-1'}}),
    ('post', '/want_job', {'data': '{bad'}),
    ('post', '/want_job', {'json': {'queue': 5}}),
    ('get', '/jobs/some-id', {'headers': {'X-Accepted-Wait-Result': 'later'}}),
    ('put', '/jobs/some-id', {'json': {'status': 'running'}}),
    ('put', '/jobs/some-id', {'data': 'nope'}),
])
def test_bad_input_is_400_never_500(memory_service, method, path, kwargs):
    r = requests.request(method, memory_service + path, timeout=10, **kwargs)
    assert r.status_code == 400, r.text
    assert r.json()['status'] == 400 and r.json()['code']
