"""REMOTE@ jobs on real worker node processes (bin/node.py) against the real container."""
import time

import pyotp
import pytest
import requests

from ..helpers import running_container
from .conftest import add_job
from .service_process import start_node


def _runs(url, group_name, job_id, count, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        runs = requests.post(f'{url}/v1/cron/get_job_runs', json={'group_name': group_name, 'job_id': job_id},
                             timeout=10).json()
        if len(runs) >= count or time.time() > deadline:
            return runs
        time.sleep(0.1)


def _nodes(url, group_name):
    return {n['node_id']: n for n in requests.get(f'{url}/v1/{group_name}/node/list', timeout=10).json()}


def _wait_nodes(url, group_name, expected, timeout=10.0):
    deadline = time.time() + timeout
    while set(_nodes(url, group_name)) != set(expected) and time.time() < deadline:
        time.sleep(0.1)
    return _nodes(url, group_name)


@pytest.fixture
def node_procs():
    procs = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_remote_job_runs_on_nodes_and_dead_nodes_drop_off(cron_url, node_group, node_procs):
    name, secret = node_group
    token = requests.post(f'{cron_url}/v1/node/token', json={'group_name': name, 'node_id': 'tok1'},
                          timeout=10).json()['token']
    node_procs.append(start_node(cron_url, name, 'otp1', '--node-secret', secret))
    node_procs.append(start_node(cron_url, name, 'tok1', '--token', token))
    nodes = _wait_nodes(cron_url, name, {'otp1', 'tok1'})
    assert set(nodes) == {'otp1', 'tok1'}
    assert nodes['otp1']['allow_exec'] is True and nodes['otp1']['last_heartbeat'] and nodes['otp1']['host']
    assert 'token_hash' not in nodes['tok1'] and 'session_hash' not in nodes['tok1']
    assert requests.get(f'{cron_url}/{name}/v1/group/info', timeout=10).json()['node_count'] == 2

    job = add_job(cron_url, name, 'REMOTE@otp1,tok1', '@once', exec_command='echo "hi $((40+2))"; echo err >&2')
    runs = {r['node_id']: r for r in _runs(cron_url, name, job['job_id'], 2)}
    assert set(runs) == {'otp1', 'tok1'}
    for run in runs.values():
        assert run['status'] == 'ok' and run['code'] == 0 and run['error'] is None, run
        assert run['output'] == 'hi 42\n' and run['stderr'] == 'err\n' and run['duration_ms'] > 0
        assert run['planned_time'] == job['next_run']

    slow = add_job(cron_url, name, 'REMOTE@otp1', '@once', exec_command='sleep 5', timeout=1)
    [run] = _runs(cron_url, name, slow['job_id'], 1)
    assert run['status'] == 'failed' and run['error'] == 'timeout after 1s' and run['duration_ms'] < 4000, run

    node_procs[0].kill()  # silent from now on: gone after 3 missed heartbeats (0.5 s each)
    assert set(_wait_nodes(cron_url, name, {'tok1'})) == {'tok1'}
    dead = add_job(cron_url, name, 'REMOTE@otp1', '@once', exec_command='echo no')
    [run] = _runs(cron_url, name, dead['job_id'], 1)
    assert run['status'] == 'failed' and 'node otp1 is dead' in run['error'], run
    unknown = add_job(cron_url, name, 'REMOTE@ghost', '@once', exec_command='echo no')
    [run] = _runs(cron_url, name, unknown['job_id'], 1)
    assert run['status'] == 'failed' and run['error'] == 'node ghost is unknown', run
    assert requests.get(f'{cron_url}/v1/{name}/job/list', timeout=10).json()[0]['last_result']['status']


def test_unauthenticated_nodes_get_401_and_nothing(cron_url, node_group, node_procs):
    name, secret = node_group
    node_procs.append(start_node(cron_url, name, 'intruder', '--otp-secret', pyotp.random_base32(), capture=True))
    assert node_procs[0].wait(20) == 2  # refused at registration: the process gives up
    assert b'401' in node_procs[0].stderr.read()
    node_procs.append(start_node(cron_url, name, 'intruder2', '--token', 'made-up-token'))
    assert node_procs[1].wait(20) == 2
    for path in ('register', 'heartbeat', 'poll', 'report'):
        for credentials in ({}, {'otp_code': '000000'}, {'token': 'x'}):
            r = requests.post(f'{cron_url}/v1/node/{path}', json=dict(credentials, group_name=name,
                                                                     node_id='intruder'), timeout=10)
            # 10 failures a minute per (group, address), then 429 (brute-force guard)
            assert (r.status_code, r.json()['code']) in ((401, 'UNAUTHORIZED'), (429, 'TOO_MANY_ATTEMPTS')), r.text
    assert _nodes(cron_url, name) == {}
    r = requests.post(f'{cron_url}/v1/node/register', json={'group_name': 'NoSuchGroup', 'node_id': 'n',
                                                            'otp_code': pyotp.TOTP(secret).now()}, timeout=10)
    assert r.status_code == 401


def test_a_node_without_the_allow_flag_runs_nothing(cron_url, node_group, node_procs):
    name, secret = node_group
    node_procs.append(start_node(cron_url, name, 'safe', '--node-secret', secret, allow_exec=False))
    assert _wait_nodes(cron_url, name, {'safe'})['safe']['allow_exec'] is False
    job = add_job(cron_url, name, 'REMOTE@safe', '@once', exec_command='touch /tmp/should_not_exist_cron')
    [run] = _runs(cron_url, name, job['job_id'], 1)
    assert run['status'] == 'failed' and 'without --allow-exec' in run['error'], run


def test_bad_remote_jobs_are_400(cron_url, group):
    name, _ = group
    for url, command in (('REMOTE@', 'echo'), ('REMOTE@a b', 'echo'), ('REMOTE@n1', '')):
        r = requests.post(f'{cron_url}/v1/add/job', json={'group_name': name, 'name': 'x', 'request_url': url,
                                                          'interval_pattern': '@once', 'exec_command': command},
                          timeout=10)
        assert r.status_code == 400 and r.json()['code'] in ('BAD_REQUEST_URL', 'BAD_EXEC_COMMAND'), r.text


def test_queued_executions_survive_a_service_restart(tmp_path, node_procs):
    """The node is offline while the run is dispatched and the service restarts; it then takes the
    execution from the durable queue and its report is recorded by the new service."""
    data = str(tmp_path / 'data')
    with running_container(DATA_DIR=data) as url:
        secret = requests.post(f'{url}/v1/register/group', json={'group_name': 'DQ'}, timeout=10).json()['node_secret']
        r = requests.post(f'{url}/v1/node/register', json={'group_name': 'DQ', 'node_id': 'w', 'allow_exec': True,
                                                           'otp_code': pyotp.TOTP(secret).now()}, timeout=10)
        assert r.status_code == 200 and r.json()['token']  # registered, but nobody polls yet
        job = add_job(url, 'DQ', 'REMOTE@w', '@once', exec_command='echo durable')
        time.sleep(0.5)  # dispatched into the queue
        assert _runs(url, 'DQ', job['job_id'], 0) == []
    with running_container(DATA_DIR=data) as url:
        node_procs.append(start_node(url, 'DQ', 'w', '--node-secret', secret))
        [run] = _runs(url, 'DQ', job['job_id'], 1)
        assert run['status'] == 'ok' and run['output'] == 'durable\n' and run['node_id'] == 'w', run


def test_shell_keeps_output_tails_and_kills_the_whole_group_on_timeout():
    from service_background.cron.node import run_shell
    result = run_shell('head -c 100000 /dev/zero | tr "\\0" a; echo END; exit 7', 5)
    assert result.exit_code == 7 and result.error is None
    assert len(result.stdout) == 4096 and result.stdout.endswith('aEND\n')
    started = time.time()
    result = run_shell('sleep 30 & sleep 30', 0.5)
    assert result.error == 'timeout after 0.5s' and result.exit_code == -9
    assert time.time() - started < 5
