"""The dashboard API's running-jobs views on the real container: one job with its log from a line on, cancel
as a job action, the live workers, and each queue's last hour minute by minute."""
import requests

from test.dashboard.test_dashboard_browser import _post


def _take(url, type, worker_id=None):
    body = {'type': type, 'limit': 1, 'timeout': 600000}
    if worker_id:
        body['worker_id'] = worker_id
    taken = _post(url, '/v1/jobs/start_jobs_by_type', body)
    assert len(taken) == 1
    return taken[0]


def _add(url, type, **fields):
    return _post(url, '/v1/jobs/add_job', {'new_job': {'type': type, 'params': {}, **fields}})


def test_the_job_view_reads_the_log_from_a_line_on(memory_service):
    url = memory_service
    _add(url, 'logq')
    job = _take(url, 'logq')
    lines = [{'level': 'INFO', 'message': f'line {i}'} for i in range(5)]
    _post(url, '/v1/jobs/add_job_log', {'job_id': job['id'], 'lease_token': job['lease_token'], 'lines': lines})
    page = requests.get(url + '/ui/api/job', params={'id': job['id']}, timeout=10).json()
    assert page['job']['id'] == job['id'] and page['job']['status'] == 'running' and page['now']
    assert [line['message'] for line in page['log']['lines']] == [f'line {i}' for i in range(5)]
    page = requests.get(url + '/ui/api/job', params={'id': job['id'], 'skip': '3'}, timeout=10).json()
    assert [line['message'] for line in page['log']['lines']] == ['line 3', 'line 4'] and page['log']['total'] == 5
    assert requests.get(url + '/ui/api/job', params={'id': 'nope'}, timeout=10).status_code == 404
    for skip in ('-1', 'x', '1.5', '99999999', '\u00b2', '9' * 5000):
        r = requests.get(url + '/ui/api/job', params={'id': job['id'], 'skip': skip}, timeout=10)
        assert r.status_code == 400 and r.json()['code'] == 'BAD_SKIP', skip


def test_cancel_is_a_job_action(memory_service):
    url = memory_service
    first, second = _add(url, 'cancelq'), _add(url, 'cancelq')
    running = _take(url, 'cancelq')
    queued = second if running['id'] == first['id'] else first
    r = _post(url, '/ui/api/jobs/action', {'action': 'cancel', 'ids': [queued['id'], running['id']],
                                           'reason': 'not needed'})
    assert (r['matched'], r['done'], r['errors']) == (2, 2, [])
    assert _post(url, '/v1/jobs/get_job_by_id', {'job_id': queued['id']})['status'] == 'cancelled'
    job = _post(url, '/v1/jobs/get_job_by_id', {'job_id': running['id']})
    assert job['status'] == 'running' and job['cancel_requested'] and job['cancel_reason'] == 'not needed'
    again = _post(url, '/ui/api/jobs/action', {'action': 'cancel', 'ids': [queued['id']]})
    assert again['done'] == 0 and again['errors'][0]['id'] == queued['id']  # finished already: refused


def test_the_workers_view_lists_a_heartbeating_worker(memory_service):
    url = memory_service
    assert requests.get(url + '/ui/api/workers', timeout=10).json()['workers'] == []
    worker = {'id': 'box:42:abcdef', 'host': 'box', 'pid': 42, 'version': '9.9', 'types': ['wq'], 'concurrency': 2,
              'running': [], 'busy': 0, 'idle': 2, 'heartbeat_ms': 60000}
    _post(url, '/v1/jobs/report_jobs', {'reports': [], 'worker': worker})
    listed = requests.get(url + '/ui/api/workers', timeout=10).json()
    assert [w['id'] for w in listed['workers']] == ['box:42:abcdef'] and listed['now']
    assert listed['workers'][0]['types'] == ['wq'] and listed['workers'][0]['concurrency'] == 2


def test_the_history_counts_outcomes_and_times_per_queue(memory_service):
    url = memory_service
    for _ in range(4):
        _add(url, 'histq', max_retries=1)
    done = _take(url, 'histq')
    _post(url, '/v1/jobs/complete_job', {'job_id': done['id'], 'lease_token': done['lease_token'], 'result': 1})
    failed = _take(url, 'histq')
    _post(url, '/v1/jobs/fail_job', {'job_id': failed['id'], 'lease_token': failed['lease_token'], 'error': 'x'})
    queued = _post(url, '/v1/jobs/get_jobs', {'filter': {'type': 'histq', 'status': 'queued'}})['data']
    _post(url, '/v1/jobs/cancel_job', {'job_id': queued[0]['id']})
    history = requests.get(url + '/ui/api/history', timeout=10).json()['queues']['histq']
    assert len(history['done']) == history['minutes'] == 60
    assert (sum(history['enqueued']), sum(history['done']), sum(history['failed']), sum(history['cancelled'])) == \
        (4, 1, 1, 1)
    runs = [v for v in history['run_max'] if v is not None]
    waits = [v for v in history['wait_mean'] if v is not None]
    assert len(runs) == 1 and runs[0] >= 0 and len(waits) == 1 and waits[0] >= 0
