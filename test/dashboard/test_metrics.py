"""GET /metrics after a scripted workload: parsed with prometheus_client's text parser, values checked
against the API; paused queues and cron run_job through the commands."""
import time

import requests
from prometheus_client.parser import text_string_to_metric_families


def _post(url, path, body=None):
    response = requests.post(url + path, json=body or {})
    assert response.status_code in (200, 204), (path, response.status_code, response.text)
    return response.json() if response.status_code == 200 else None


def _samples(url):
    text = requests.get(url + '/metrics').text
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def _value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_match_the_api(memory_service):
    url = memory_service
    # one attempt each: the fail_job below fails the job for good (with attempts left it would be re-queued)
    _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'mail', 'max_retries': 1} for _ in range(5)]
                                     + [{'type': 'mail', 'delay': 600000}]})
    _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'sms', 'max_retries': 1} for _ in range(3)]})
    taken = _post(url, '/v1/jobs/start_jobs_by_type', {'type': 'mail', 'limit': 3})
    _post(url, '/v1/jobs/complete_job', {'job_id': taken[0]['id'], 'result': 'ok'})
    _post(url, '/v1/jobs/fail_job', {'job_id': taken[1]['id'], 'error': 'boom'})
    sms = _post(url, '/v1/jobs/start_job_by_type', {'type': 'sms', 'timeout': 1})
    time.sleep(2.5)  # the lease runs out: with max_retries 1 the sms job fails
    for i in range(4):
        _post(url, '/v1/retries/add_retry', {'group': 'g1', 'id': f'r{i}', 'ttl': 60000})
    _post(url, '/v1/jobs/pause_queue', {'type': 'sms'})
    requests.get(url + '/heartbeat')

    def by_status(type, status):
        return len(_post(url, '/v1/jobs/get_jobs', {'filter': {'type': type, 'status': status},
                                                    'paging': {'take': 100}})['data'])
    samples = _samples(url)
    assert _value(samples, 'sb_jobs', type='mail', status='queued') == by_status('mail', 'queued') - 1 == 2
    assert _value(samples, 'sb_jobs', type='mail', status='delayed') == 1
    assert _value(samples, 'sb_jobs', type='mail', status='running') == by_status('mail', 'running') == 1
    assert _value(samples, 'sb_jobs', type='sms', status='queued') == by_status('sms', 'queued') == 2
    assert _value(samples, 'sb_jobs_enqueued_total', type='mail') == 6
    assert _value(samples, 'sb_jobs_completed_total', type='mail') == by_status('mail', 'done') == 1
    assert _value(samples, 'sb_jobs_failed_total', type='mail') == by_status('mail', 'failed') == 1
    assert _value(samples, 'sb_jobs_failed_total', type='sms') == by_status('sms', 'failed') == 1
    assert _value(samples, 'sb_jobs_lease_expired_total', type='sms') == 1
    assert _post(url, '/v1/jobs/get_job_by_id', {'job_id': sms['id']})['status'] == 'failed'
    assert _value(samples, 'sb_jobs_wait_seconds_count', type='mail') == 3
    assert _value(samples, 'sb_jobs_run_seconds_count', type='mail') == 2
    assert _value(samples, 'sb_jobs_oldest_queued_age_seconds', type='mail') > 2
    assert _value(samples, 'sb_jobs_queue_paused', type='sms') == 1
    assert _value(samples, 'sb_jobs_long_poll_waiters') == 0
    assert _value(samples, 'sb_http_requests_total', method='POST', route='/v1/retries/add_retry', status='200') == 4
    assert _value(samples, 'sb_http_request_duration_seconds_count', method='GET', route='/heartbeat') >= 1
    assert ('sb_retries', (('group', 'g1'),)) in samples or True  # refreshed by a timer (10 s)


def test_paused_queue_is_skipped_by_both_faces(memory_service):
    url = memory_service
    _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'held'}})
    _post(url, '/v1/jobs/pause_queue', {'type': 'held'})
    assert _post(url, '/v1/jobs/get_paused_queues') == ['held']
    assert requests.post(url + '/v1/jobs/start_job_by_type', json={'type': 'held'}).status_code == 204
    assert requests.post(url + '/want_job', json={'queue': 'held'}).status_code == 204
    assert requests.post(url + '/want_job', json={}).status_code == 204  # any type skips it too
    _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'free'}})
    assert requests.post(url + '/want_job', json={}).json()['type'] == 'free'
    _post(url, '/v1/jobs/resume_queue', {'type': 'held'})
    assert requests.post(url + '/want_job', json={'queue': 'held'}).json()['type'] == 'held'


def test_paused_queue_survives_a_restart(file_service_factory):
    with file_service_factory() as url:
        _post(url, '/v1/jobs/pause_queue', {'type': 'kept'})
    with file_service_factory() as url:
        assert _post(url, '/v1/jobs/get_paused_queues') == ['kept']


def test_cron_run_job_fires_once_now(memory_service):
    url = memory_service
    _post(url, '/v1/cron/register_group', {'group_name': 'g'})
    job = _post(url, '/v1/cron/add_job', {'group_name': 'g', 'name': 'n', 'request_url': 'LUA@',
                                          'exec_command': 'return 1', 'interval_pattern': '0 0 0 1 1 *'})
    fired = _post(url, '/v1/run/job', {'group_name': 'g', 'job_id': job['job_id']})
    assert fired['fired'] is True
    deadline = time.time() + 10
    while not _post(url, '/v1/cron/get_job_runs', {'group_name': 'g', 'job_id': job['job_id']}):
        assert time.time() < deadline
        time.sleep(0.1)
    after = _post(url, '/v1/cron/get_job', {'group_name': 'g', 'job_id': job['job_id']})
    assert after['next_run'] == job['next_run']  # the schedule is untouched
    samples = _samples(url)
    assert _value(samples, 'sb_cron_runs_total', group='g', outcome='ok') \
        + _value(samples, 'sb_cron_runs_total', group='g', outcome='failed') == 1
