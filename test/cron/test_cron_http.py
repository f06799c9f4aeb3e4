"""Every REST route of docs/cron.md against the real container, firing at a real local HTTP target."""
import json
import time

import pyotp
import pytest
import requests

from .conftest import add_job


def _planned(call) -> float:
    """The run's planned time (epoch seconds) from the X-Cron-Plan-Time header the scheduler sends."""
    value = {k.lower(): v for k, v in call.headers.items()}['x-cron-plan-time']
    try:
        return float(value) / (1000.0 if float(value) > 1e11 else 1.0)
    except ValueError:
        from datetime import datetime
        return datetime.fromisoformat(value.replace('Z', '+00:00')).timestamp()


def _runs(url, name, job_id):
    return _post(url, '/v1/cron/get_job_runs', {'group_name': name, 'job_id': job_id}).json()


def _get(url, path):
    return requests.get(url + path, timeout=10)


def _post(url, path, body):
    return requests.post(url + path, json=body, timeout=10)


def test_version_and_group_routes(cron_url, group):
    name, secret = group
    assert _get(cron_url, '/version').json()['version']
    assert len(secret) >= 16 and pyotp.TOTP(secret).now()
    r = _post(cron_url, '/v1/register/group', {'group_name': name})
    assert r.status_code == 409 and r.json()['code'] == 'GROUP_EXISTS'
    listed = {g['group_name']: g for g in _get(cron_url, '/v1/group/list').json()}
    assert name in listed and listed[name]['otp_secret'] is None
    info = _get(cron_url, f'/{name}/v1/group/info').json()
    assert info['group_name'] == name and info['job_count'] == 0 and 'otp_secret' not in info
    assert _get(cron_url, f'/v1/{name}/node/list').json() == []
    assert _get(cron_url, f'/{name}/v1/node/list').json() == []
    removed = _post(cron_url, '/v1/remove/group', {'group_name': name})
    assert removed.status_code == 200 and removed.json()['group_name'] == name
    for r in (_get(cron_url, f'/{name}/v1/group/info'), _post(cron_url, '/v1/remove/group', {'group_name': name}),
              _get(cron_url, f'/v1/{name}/job/list')):
        assert r.status_code == 404 and r.json()['code'] == 'GROUP_NOT_FOUND'


def test_every_1s_fires_about_once_a_second_with_a_valid_otp(cron_url, target, group):
    name, secret = group
    job = add_job(cron_url, name, f'HTTP@{target.url}/every?test=yao', '@every 1s', name='Ticker')
    assert job['job_id'] and job['active'] and job['next_run']
    calls = target.wait_for('/every', 3, timeout=15, job_id=job['job_id'])[:3]
    # the schedule, not the machine's load: consecutive runs were planned exactly a second apart
    planned = [_planned(c) for c in calls]
    assert [b - a for a, b in zip(planned, planned[1:])] == [1.0, 1.0], planned
    totp = pyotp.TOTP(secret)
    for call in calls:
        assert call.query['job_name'] == 'Ticker' and call.query['test'] == 'yao'
        assert totp.verify(call.query['otp_code'], for_time=int(call.at), valid_window=1)
    listed = _get(cron_url, f'/v1/{name}/job/list').json()
    assert [j['job_id'] for j in listed] == [job['job_id']]
    assert listed[0]['last_result']['status'] == 'ok' and listed[0]['last_result']['code'] == 200
    assert listed[0]['last_run'] is not None
    runs = _post(cron_url, '/v1/cron/get_job_runs', {'group_name': name, 'job_id': job['job_id']}).json()
    assert len(runs) >= 3 and runs[0]['status'] == 'ok' and runs[0]['started'] >= runs[1]['started']
    replies = [json.loads(c.body) for c in target.calls_to('/reply')]
    mine = [r for r in replies if r['job_id'] == job['job_id']]
    assert len(mine) >= 3 and mine[0]['status'] == 'ok' and mine[0]['code'] == 200 and mine[0]['planned_time']


def test_once_fires_once_now_and_once_later(cron_url, target, group):
    name, _ = group
    now_job = add_job(cron_url, name, f'HTTP@{target.url}/once', '@once')
    later = add_job(cron_url, name, f'HTTP@{target.url}/once', '@once', exec_time=int(time.time()) + 3)
    assert len(target.wait_for('/once', 1, job_id=now_job['job_id'])) == 1
    calls = target.wait_for('/once', 1, timeout=10, job_id=later['job_id'])
    assert len(calls) == 1 and calls[0].at >= later['exec_time'] - 0.05
    # each @once job has run once and has nothing left to run: its record says so, no waiting on a clock
    for job in (now_job, later):
        assert len(_runs(cron_url, name, job['job_id'])) == 1
    assert len(target.calls_to('/once', job_id=now_job['job_id'])) == 1
    jobs = {j['job_id']: j for j in _get(cron_url, f'/v1/{name}/job/list').json()}
    assert jobs[now_job['job_id']]['next_run'] is None and jobs[later['job_id']]['next_run'] is None


def test_pause_stops_and_active_resumes(cron_url, target, group):
    name, _ = group
    job = add_job(cron_url, name, f'HTTP@{target.url}/pause', '@every 1s')
    target.wait_for('/pause', 2, job_id=job['job_id'])
    paused = _post(cron_url, '/v1/pause/job', {'group_name': name, 'job_id': job['job_id']}).json()
    assert paused['active'] is False and paused['next_run'] is None
    at_pause = len(target.calls_to('/pause'))
    # a clock made of events: another job ticking every second; three of its ticks are > 2 s
    clock = add_job(cron_url, name, f'HTTP@{target.url}/clock', '@every 1s')
    target.wait_for('/clock', 3, timeout=15, job_id=clock['job_id'])
    assert len(target.calls_to('/pause')) <= at_pause + 1  # at most one run already in flight
    stopped = len(target.calls_to('/pause'))
    resumed = _post(cron_url, '/v1/active/job', {'group_name': name, 'job_id': job['job_id'], 'exec_time': 0})
    assert resumed.status_code == 200 and resumed.json()['active'] is True
    assert len(target.wait_for('/pause', stopped + 2, timeout=5)) >= stopped + 2


def test_timeout_is_honoured_and_a_slow_target_delays_nothing(cron_url, target, group):
    name, _ = group
    slow = add_job(cron_url, name, f'HTTP@{target.url}/slow/3', '@once', timeout=1)
    fast = add_job(cron_url, name, f'HTTP@{target.url}/fast', '@every 1s')
    deadline = time.time() + 6
    result = None
    while time.time() < deadline:
        result = _post(cron_url, '/v1/cron/get_job', {'group_name': name, 'job_id': slow['job_id']}).json()
        if result['last_result']:
            break
        time.sleep(0.1)
    assert result['last_result']['status'] == 'failed' and 'timeout' in result['last_result']['error']
    assert result['last_result']['duration_ms'] < 2500
    assert len(target.calls_to('/fast', job_id=fast['job_id'])) >= 1


def test_a_run_still_going_is_not_started_twice(cron_url, target, group):
    name, _ = group
    job = add_job(cron_url, name, f'HTTP@{target.url}/slow/2.5', '@every 1s', timeout=10)
    # wait for the event that proves it: a tick due while the run goes on is recorded as skipped
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(r['status'] == 'skipped'
                                                   for r in _runs(cron_url, name, job['job_id'])):
        time.sleep(0.1)
    assert any(r['status'] == 'skipped' for r in _runs(cron_url, name, job['job_id']))
    calls = target.calls_to('/slow/2.5', job_id=job['job_id'])
    assert calls and all(b.at - a.at >= 2.4 for a, b in zip(calls, calls[1:]))  # never two at once


def test_edit_job_changes_what_runs(cron_url, target, group):
    name, _ = group
    job = add_job(cron_url, name, f'HTTP@{target.url}/before', '@every 1s')
    target.wait_for('/before', 1, job_id=job['job_id'])
    bad = _post(cron_url, '/v1/edit/job', {'group_name': name, 'job_id': job['job_id'], 'interval_pattern': 'x'})
    assert bad.status_code == 400 and bad.json()['code'] == 'BAD_INTERVAL_PATTERN'
    edited = _post(cron_url, '/v1/edit/job', {'group_name': name, 'job_id': job['job_id'],
                                              'request_url': f'HTTP@{target.url}/after', 'exec_command': ''})
    assert edited.status_code == 200 and edited.json()['request_url'].endswith('/after')
    assert edited.json()['interval_pattern'] == '@every 1s'
    before = len(target.calls_to('/before'))
    assert len(target.wait_for('/after', 2, timeout=5, job_id=job['job_id'])) >= 2
    assert len(target.calls_to('/before')) <= before + 1
    missing = _post(cron_url, '/v1/edit/job', {'group_name': name, 'job_id': 'nope', 'memo': 'x'})
    assert missing.status_code == 404 and missing.json()['code'] == 'JOB_NOT_FOUND'


def test_delete_routes(cron_url, target, group):
    name, _ = group
    first = add_job(cron_url, name, f'HTTP@{target.url}/gone', '0 0 0 1 1 *', job_id='ABC_1')
    assert first['job_id'] == 'ABC_1'
    dup = _post(cron_url, '/v1/add/job', dict(first))
    assert dup.status_code == 409 and dup.json()['code'] == 'JOB_EXISTS'
    add_job(cron_url, name, f'HTTP@{target.url}/gone', '@daily', name='twin')
    add_job(cron_url, name, f'HTTP@{target.url}/gone', '@hourly', name='twin')
    add_job(cron_url, name, f'HTTP@{target.url}/gone', '@weekly', name='other')
    assert _post(cron_url, '/v1/delete/job', {'group_name': name, 'job_id': 'ABC_1'}).json()['job_id'] == 'ABC_1'
    r = _post(cron_url, '/v1/delete/job', {'group_name': name, 'job_id': 'ABC_1'})
    assert r.status_code == 404
    r = requests.delete(f'{cron_url}/v1/{name}/job/delete/twin', timeout=10)
    assert r.status_code == 200 and r.json() == {'deleted': 2}
    assert requests.delete(f'{cron_url}/v1/{name}/job/delete/twin', timeout=10).status_code == 404
    assert [j['name'] for j in _get(cron_url, f'/v1/{name}/job/list').json()] == ['other']
    r = requests.delete(f'{cron_url}/v1/{name}/job/clear', timeout=10)
    assert r.status_code == 200 and r.json() == {'deleted': 1}
    assert _get(cron_url, f'/v1/{name}/job/list').json() == []
    assert requests.delete(f'{cron_url}/v1/nobody/job/clear', timeout=10).status_code == 404


@pytest.mark.parametrize('change, code', [
    ({'group_name': 'bad-name'}, 'BAD_GROUP_NAME'),
    ({'group_name': 'x' * 23}, 'BAD_GROUP_NAME'),
    ({'job_id': 'has space'}, 'BAD_JOB_ID'),
    ({'job_id': 'x' * 23}, 'BAD_JOB_ID'),
    ({'name': ''}, 'BAD_NAME'),
    ({'name': None}, 'BAD_NAME'),
    ({'request_url': None}, 'BAD_REQUEST_URL'),
    ({'request_url': 'FTP@ftp://x'}, 'BAD_REQUEST_URL'),
    ({'request_url': 'no prefix'}, 'BAD_REQUEST_URL'),
    ({'request_url': 'HTTP@not a url'}, 'BAD_REQUEST_URL'),
    ({'request_url': 'LUA@'}, 'BAD_EXEC_COMMAND'),  # no Lua source
    ({'request_url': 'LUA@', 'exec_command': 'function Hello( end'}, 'BAD_EXEC_COMMAND'),
    ({'request_url': 'REMOTE@node1'}, 'BAD_EXEC_COMMAND'),  # no command
    ({'request_url': 'REMOTE@bad node', 'exec_command': 'echo'}, 'BAD_REQUEST_URL'),
    ({'interval_pattern': '* * * * *'}, 'BAD_INTERVAL_PATTERN'),
    ({'interval_pattern': '@every 0s'}, 'BAD_INTERVAL_PATTERN'),
    ({'interval_pattern': '@sometimes'}, 'BAD_INTERVAL_PATTERN'),
    ({'interval_pattern': None}, 'BAD_INTERVAL_PATTERN'),
    ({'exec_time': -1}, 'BAD_EXEC_TIME'),
    ({'exec_time': 'soon'}, 'BAD_EXEC_TIME'),
    ({'timeout': 'x'}, 'BAD_TIMEOUT'),
    ({'timeout': -1}, 'BAD_TIMEOUT'),
    ({'memo': 5}, 'BAD_MEMO'),
])
def test_bad_job_is_400_naming_the_field(cron_url, group, change, code):
    name, _ = group
    body = {'group_name': name, 'name': 'Hello', 'exec_time': 0, 'request_url': 'HTTP@http://127.0.0.1:9/',
            'interval_pattern': '@once', 'timeout': 1}
    body.update(change)
    r = _post(cron_url, '/v1/add/job', body)
    assert r.status_code == 400, r.text
    error = r.json()
    assert error['code'] == code and error['status'] == 400 and error['message'].split(':')[0] in code.lower()
    assert _get(cron_url, f'/v1/{name}/job/list').json() == []


def test_other_errors(cron_url, group):
    name, _ = group
    r = _post(cron_url, '/v1/add/job', {'group_name': 'nogroup', 'name': 'x', 'request_url': 'HTTP@http://a/',
                                        'interval_pattern': '@once'})
    assert r.status_code == 404 and r.json()['code'] == 'GROUP_NOT_FOUND'
    r = requests.post(f'{cron_url}/v1/add/job', data='{not json', timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_JSON'
    r = _post(cron_url, '/v1/pause/job', {'group_name': name, 'job_id': 'missing'})
    assert r.status_code == 404
    r = _post(cron_url, '/v1/active/job', {'group_name': name, 'job_id': 'missing', 'exec_time': 0})
    assert r.status_code == 404
    r = _post(cron_url, '/v1/register/group', {'group_name': '../etc'})
    assert r.status_code == 400 and r.json()['code'] == 'BAD_GROUP_NAME'
    r = _post(cron_url, '/v1/cron/no_such_command', {})
    assert r.status_code == 400
