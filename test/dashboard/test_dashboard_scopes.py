"""The dashboard API under the domain routes' scopes: every /ui/api/* route (from the endpoint's route
table) called over HTTP with a token of each kind on the real container; what each answers holds only
the domains and cron groups the token may see."""
import time

import pytest
import requests

from test.common.test_security import container

FULL, JOBS, RETRIES, TASKS = 'dash-full-0123456789', 'dash-jobs-0123456789', 'dash-retr-0123456789', \
    'dash-task-0123456789'
CRON, GROUP1, READ = 'dash-cron-0123456789', 'dash-grp1-0123456789', 'dash-read-0123456789'
TOKENS = f'{FULL},{JOBS}@jobs,{RETRIES}@retries,{TASKS}@tasks,{CRON}@cron,{GROUP1}@cron:DashG1,{READ}@read'

# what each token may see: marks planted in the data of each domain and group
MARKS = {'jobs': ('dashmailq', 'JOBS-PARAM-MARK'), 'retries': ('dashretrygroup', 'RETRY-ID-MARK'),
         'tasks': ('dashnsmark', 'TASK-ID-MARK'), 'DashG1': ('G1-SHELL-MARK',),
         'DashG2': ('DashG2', 'G2-SHELL-MARK', 'G2-LUA-MARK')}
SEES = {FULL: set(MARKS), READ: set(MARKS), JOBS: {'jobs'}, RETRIES: {'retries'}, TASKS: {'tasks'},
        CRON: {'DashG1', 'DashG2'}, GROUP1: {'DashG1'}}

# (method, path, body) -> the status each token gets
CALLS = {
    ('GET', '/ui/api/overview', None): {t: 200 for t in SEES},
    ('POST', '/ui/api/jobs', '{}'): {FULL: 200, READ: 200, JOBS: 200, RETRIES: 403, TASKS: 403, CRON: 403, GROUP1: 403},
    ('POST', '/ui/api/jobs/action', '{"action": "requeue", "ids": []}'):
        {FULL: 200, READ: 403, JOBS: 200, RETRIES: 403, TASKS: 403, CRON: 403, GROUP1: 403},
    ('GET', '/ui/api/stuck', None): {FULL: 200, READ: 200, JOBS: 200, RETRIES: 403, TASKS: 403, CRON: 403, GROUP1: 403},
    ('GET', '/ui/api/job', None): {FULL: 400, READ: 400, JOBS: 400, RETRIES: 403, TASKS: 403, CRON: 403, GROUP1: 403},
    ('GET', '/ui/api/workers', None): {FULL: 200, READ: 200, JOBS: 200, RETRIES: 403, TASKS: 403, CRON: 403,
                                       GROUP1: 403},
    ('GET', '/ui/api/history', None): {FULL: 200, READ: 200, JOBS: 200, RETRIES: 403, TASKS: 403, CRON: 403,
                                       GROUP1: 403},
    ('GET', '/ui/api/queue', None): {FULL: 400, READ: 400, JOBS: 400, RETRIES: 403, TASKS: 403, CRON: 403, GROUP1: 403},
    ('GET', '/ui/api/workflow', None): {FULL: 400, READ: 400, JOBS: 400, RETRIES: 403, TASKS: 403, CRON: 403,
                                        GROUP1: 403},
    ('POST', '/ui/api/workflow/cancel', None): {FULL: 400, READ: 403, JOBS: 400, RETRIES: 403, TASKS: 403, CRON: 403,
                                                GROUP1: 403},
    ('GET', '/ui/api/retries', None): {FULL: 200, READ: 200, JOBS: 403, RETRIES: 200, TASKS: 403, CRON: 403,
                                       GROUP1: 403},
    ('GET', '/ui/api/tasks', None): {FULL: 200, READ: 200, JOBS: 403, RETRIES: 403, TASKS: 200, CRON: 403, GROUP1: 403},
    ('GET', '/ui/api/cron', None): {FULL: 200, READ: 200, JOBS: 403, RETRIES: 403, TASKS: 403, CRON: 200, GROUP1: 200},
}


def _bearer(token):
    return {'Authorization': f'Bearer {token}'}


def _post(url, path, body):
    r = requests.post(url + path, json=body, headers=_bearer(FULL), timeout=10)
    assert r.status_code in (200, 204), (path, r.text)
    return r.json() if r.status_code == 200 else None


def _cron_job(group, url, command):
    return {'group_name': group, 'name': 'n', 'request_url': url, 'interval_pattern': '0 0 0 1 1 *', 'exec_time': 0,
            'exec_command': command, 'timeout': 10, 'memo': ''}


@pytest.fixture(scope='module')
def planted():
    """The container with tokens of every kind and data of every domain and two cron groups."""
    with container(AUTH_TOKENS=TOKENS) as (url, _, endpoint, _):
        _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'dashmailq', 'params': {'note': 'JOBS-PARAM-MARK'}}})
        _post(url, '/v1/retries/add_retry', {'group': 'dashretrygroup', 'id': 'RETRY-ID-MARK', 'ttl': 600000})
        _post(url, '/v1/tasks/create_namespace', {'namespace': {'id': 'dashnsmark'}})
        _post(url, '/v1/tasks/create_task', {'task': {'id': 'TASK-ID-MARK', 'namespace_id': 'dashnsmark'}})
        for group in ('DashG1', 'DashG2'):
            _post(url, '/v1/register/group', {'group_name': group})
        _post(url, '/v1/add/job', _cron_job('DashG1', 'REMOTE@n1', 'echo G1-SHELL-MARK'))
        _post(url, '/v1/add/job', _cron_job('DashG2', 'REMOTE@n2', 'echo G2-SHELL-MARK'))
        lua = _post(url, '/v1/add/job', _cron_job('DashG2', 'LUA@', 'return "G2-LUA-MARK"'))
        _post(url, '/v1/add/func', {'group_name': 'DashG2', 'name': 'F', 'lua_body': 'print("G2-LUA-MARK")',
                                    'memo': ''})
        _post(url, '/v1/cron/run_job', {'group_name': 'DashG2', 'job_id': lua['job_id']})
        yield url, endpoint


def _send(url, method, path, body, token):
    return requests.request(method, url + path, data=body, headers=_bearer(token), timeout=10)


def test_every_dashboard_api_route_is_in_the_table(planted):
    _, endpoint = planted
    routes = {(method, path) for method, path, _ in endpoint.route_access() if path.startswith('/ui/api')}
    assert routes == {(method, path) for method, path, _ in CALLS}


@pytest.mark.parametrize('token', list(SEES))
def test_each_token_gets_its_scope_on_every_route_and_sees_only_its_domains_and_groups(planted, token):
    url, _ = planted
    seen = []
    for (method, path, body), statuses in CALLS.items():
        r = _send(url, method, path, body, token)
        assert r.status_code == statuses[token], (method, path, r.status_code, r.text)
        error = r.json()
        if r.status_code == 403:
            assert error['code'] == 'FORBIDDEN' and error['status'] == 403 and error['message']
        else:
            seen.append(r.text)
    seen = '\n'.join(seen)
    for part, marks in MARKS.items():
        for mark in marks:
            if part in SEES[token]:
                assert mark in seen, (token, mark)  # what it may see is shown: the check below is not vacuous
            else:
                assert mark not in seen, (token, mark)


def test_a_group_token_reads_its_group_with_the_same_rule_as_the_domain_routes(planted):
    url, _ = planted
    for group, status in (('DashG1', 200), ('DashG2', 403)):
        assert requests.get(f'{url}/v1/{group}/job/list', headers=_bearer(GROUP1), timeout=10).status_code == status
    cron = requests.get(url + '/ui/api/cron', headers=_bearer(GROUP1), timeout=10).json()
    assert [g['group_name'] for g in cron['groups']] == ['DashG1']
    overview = requests.get(url + '/ui/api/overview', headers=_bearer(GROUP1), timeout=10).json()
    assert overview['queues'] == {} and overview['tasks'] == {}
    full = requests.get(url + '/ui/api/overview', headers=_bearer(FULL), timeout=10).json()
    assert 'dashmailq' in full['queues'] and 'dashnsmark' in full['tasks']


def test_the_overview_counts_cron_runs_of_the_groups_the_token_sees_only(planted):
    url, _ = planted
    deadline = time.time() + 20  # DashG2's run (started by the fixture) shows in the runs of the last hour
    while 'DashG2' not in requests.get(url + '/ui/api/overview', headers=_bearer(FULL), timeout=10).json()[
            'cron_runs_1h']:
        assert time.time() < deadline, 'the run never reached the overview'
        time.sleep(0.1)
    for token, groups in ((GROUP1, set()), (CRON, {'DashG2'}), (JOBS, set())):
        overview = requests.get(url + '/ui/api/overview', headers=_bearer(token), timeout=10).json()
        assert set(overview['cron_runs_1h']) == groups, token


def test_the_cookie_carries_the_same_scopes(planted):
    url, _ = planted
    cookies = {'sb_token': GROUP1}
    assert requests.get(url + '/ui/api/retries', cookies=cookies, timeout=10).status_code == 403
    cron = requests.get(url + '/ui/api/cron', cookies=cookies, timeout=10)
    assert cron.status_code == 200 and 'G2-SHELL-MARK' not in cron.text and 'G1-SHELL-MARK' in cron.text


def test_without_tokens_the_dashboard_api_shows_everything(memory_service):
    url = memory_service
    requests.post(url + '/v1/register/group', json={'group_name': 'OpenG'}, timeout=10)
    cron = requests.get(url + '/ui/api/cron', timeout=10)
    assert cron.status_code == 200 and 'OpenG' in [g['group_name'] for g in cron.json()['groups']]
    for path in ('/ui/api/overview', '/ui/api/retries', '/ui/api/tasks', '/ui/api/stuck'):
        assert requests.get(url + path, timeout=10).status_code == 200
