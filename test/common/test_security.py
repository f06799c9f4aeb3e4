"""API tokens on every route of every domain (from the endpoints' route tables), scopes, the 16-character
minimum, the per-address and process-wide limits on wrong tokens, protected mode, and the outbound address
check (no test connects to a non-loopback address, except the protected-mode one, which proves a
connection to this machine's own non-loopback address fails)."""
import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys

import pytest
import requests
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import ConfigException
from pip_services3_commons.refer import Descriptor

from service_background.common.clients.outbound import OutboundDenied, OutboundPolicy
from service_background.common.security.attempt_limiter import AttemptLimiter
from service_background.common.security.token_authorizer import TokenAuthorizer, parse_tokens
from test.helpers import CONFIG_PATH, ROOT, free_port, wait_http

FULL, JOBS, READ, CRON, GROUP = 'fullT0ken-0123456789', 'j0bs-T-0123456789', 'r3ad_T-0123456789', \
    'cr0nT-0123456789ab', 'gr0upT-0123456789a'
RT = 'rt-retries-read-0123'
GOOD = 'g00d-T0ken-0123456789'
TOKENS = f'{FULL},{JOBS}@jobs,{READ}@read,{CRON}@cron,{GROUP}@cron:SecG1,{RT}@retries+read'


@contextlib.contextmanager
def container(**params):
    """The real BackgroundProcess on memory; yields (url, func url, main endpoint, func endpoint)."""
    from service_background.container import BackgroundProcess
    port, func_port = free_port(), free_port()
    values = {'HTTP_HOST': '127.0.0.1', 'HTTP_PORT': str(port), 'HTTP_FUNC_LISTEN': str(func_port),
              'LOG_LEVEL': 'error', 'MEMORY_ENABLED': 'true'}
    values.update({k: str(v) for k, v in params.items()})
    process = BackgroundProcess()
    process.read_config_from_file(None, CONFIG_PATH, ConfigParams.from_value(values))
    process.open(None)
    try:
        refs = process._references
        endpoint = refs.get_one_required(Descriptor('service-background', 'endpoint', 'http', '*', '1.0'))
        func = refs.get_one_optional(Descriptor('service-background-cron', 'endpoint', 'http-func', '*', '1.0'))
        wait_http(f'http://127.0.0.1:{port}/heartbeat')
        yield f'http://127.0.0.1:{port}', f'http://127.0.0.1:{func_port}', endpoint, func
    finally:
        process.close(None)


@pytest.fixture(scope='module')
def secured():
    with container(AUTH_TOKENS=TOKENS, CRON_FUNC_AUTH='true') as running:
        url, _, endpoint, _ = running
        r = requests.post(f'{url}/v1/register/group', json={'group_name': 'SecG1'}, headers=_bearer(FULL), timeout=10)
        assert r.status_code == 200, r.text
        yield running


def _bearer(token):
    return {'Authorization': f'Bearer {token}'}


def _concrete(path: str, group: str = 'SecG1') -> str:
    path = path.replace('<group_name>', group)
    return re.sub(r'<[A-Za-z_][A-Za-z0-9_]*(:path)?>', lambda m: 'a/b' if m.group(1) else 'x', path)


def _call(base, method, path, token=None, cookie=None, **kwargs):
    method = 'GET' if method == 'ANY' else method
    cookies = {'sb_token': cookie} if cookie else None
    return requests.request(method, base + _concrete(path), headers=_bearer(token) if token else None,
                            cookies=cookies, timeout=10, **kwargs)


def _table(endpoint):
    routes = endpoint.route_access()
    assert len(routes) > 60  # every domain registered: a table, not a hand list
    return routes


# --- 401 on every route ------------------------------------------------------------------------------
def test_every_route_of_every_domain_needs_a_token(secured):
    url, func_url, endpoint, func = secured
    routes = _table(endpoint)
    domains = {access.domain for _, _, access in routes}
    assert {'jobs', 'retries', 'tasks', 'cron', None} <= domains
    open_routes = []
    for method, path, access in routes:
        r = _call(url, method, path)
        if access.public:
            assert r.status_code != 401, (method, path)
            open_routes.append((method, path))
            continue
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        body = r.json()
        assert body['code'] == 'UNAUTHORIZED' and body['status'] == 401 and 'message' in body
        assert r.headers['www-authenticate'] == 'Bearer'
        assert _call(url, method, path, token='wrong').status_code in (401, 429)  # 20 wrong a minute, then 429
    # public: the heartbeat, and the dashboard's login form and its assets (the login sets the cookie)
    assert ('GET', '/heartbeat') in open_routes
    assert set(open_routes) <= {('GET', '/heartbeat'), ('GET', '/ui/login'), ('POST', '/ui/login'),
                                ('GET', '/ui/logout'), ('GET', '/ui/static/<name>')}, open_routes
    # the published functions' port, when it asks for tokens (CRON_FUNC_AUTH=true)
    for method, path, _ in func.route_access():
        assert _call(func_url, method, path).status_code == 401
    # unknown routes and methods too: nothing tells a caller without a token what exists
    for method, path in (('GET', '/nope'), ('DELETE', '/heartbeat'), ('POST', '/v1/jobs/add_job/extra')):
        assert requests.request(method, url + path, timeout=10).status_code == 401
    assert _call(url, 'GET', '/status', token=FULL).status_code == 429  # the wrong tokens above: locked out
    # X-Forwarded-For from a caller that is no configured proxy names no other client (an address in a header
    # only: nothing connects to it)
    spoofed = requests.get(url + '/status', headers={**_bearer(FULL), 'X-Forwarded-For': '10.9.8.7'}, timeout=10)
    assert spoofed.status_code == 429
    endpoint._authorizer.reset_failures()


def test_the_token_is_taken_from_the_header_or_the_cookie(secured):
    url = secured[0]
    assert _call(url, 'GET', '/status', token=FULL).status_code == 200
    assert _call(url, 'GET', '/status', cookie=FULL).status_code == 200
    assert _call(url, 'GET', '/status', cookie='wrong').status_code == 401
    r = requests.get(url + '/status', headers={'Authorization': f'Basic {FULL}'}, timeout=10)
    assert r.status_code == 401
    assert requests.get(url + '/nope', headers=_bearer(FULL), timeout=10).status_code == 404


def test_403_out_of_scope_on_every_route(secured):
    """A token of one domain gets 403 on every route of the other domains; a group's token on
    other groups' routes; generated from the route table."""
    url, _, endpoint, _ = secured
    checked = 0
    for method, path, access in _table(endpoint):
        if access.public or access.domain is None:
            continue
        if access.domain != 'jobs':
            r = _call(url, method, path, token=JOBS, data='{"group_name": "SecG1"}')
            assert r.status_code == 403 and r.json()['code'] == 'FORBIDDEN', (method, path, r.text)
            checked += 1
        if access.domain == 'cron':
            r = requests.request('GET' if method == 'ANY' else method, url + _concrete(path, 'OtherG'),
                                 headers=_bearer(GROUP), data='{"group_name": "OtherG"}', timeout=10)
            assert r.status_code == 403, (method, path, r.text)
    assert checked > 40


def test_read_scope_cannot_write_on_any_route(secured):
    url, _, endpoint, _ = secured
    writes = reads = 0
    for method, path, access in _table(endpoint):
        if access.public:
            continue
        r = _call(url, method, path, token=READ, data='{"group_name": "SecG1"}')
        if access.write or access.admin:
            assert r.status_code == 403, (method, path, r.text)
            writes += 1
        else:
            assert r.status_code not in (401, 403), (method, path, r.text)
            reads += 1
    assert writes > 30 and reads > 15
    # read combined with a domain narrows it: retries reads only
    assert requests.post(f'{url}/v1/retries/get_group_names', json={}, headers=_bearer(RT),
                         timeout=10).status_code == 200
    assert requests.post(f'{url}/v1/retries/add_retry', json={'group': 'g', 'id': '1'}, headers=_bearer(RT),
                         timeout=10).status_code == 403
    assert requests.post(f'{url}/v1/jobs/get_jobs', json={}, headers=_bearer(RT), timeout=10).status_code == 403


def test_scopes_allow_what_they_name(secured):
    url = secured[0]
    r = requests.post(f'{url}/v1/jobs/add_job', json={'new_job': {'type': 'sec'}}, headers=_bearer(JOBS), timeout=10)
    assert r.status_code == 200, r.text
    assert requests.post(f'{url}/jobs', json={'queue': 'sec'}, headers=_bearer(JOBS), timeout=10).status_code == 202
    assert requests.post(f'{url}/v1/jobs/get_jobs', json={}, headers=_bearer(READ), timeout=10).status_code == 200
    # a group token: its group's routes, by path or by body
    assert requests.get(f'{url}/v1/SecG1/job/list', headers=_bearer(GROUP), timeout=10).status_code in (200, 204)
    job = {'group_name': 'SecG1', 'name': 'x', 'request_url': 'HTTP@http://127.0.0.1:9/', 'interval_pattern':
           '@every 1h', 'exec_time': 0, 'exec_command': '', 'timeout': 1, 'memo': ''}
    assert requests.post(f'{url}/v1/add/job', json=job, headers=_bearer(GROUP), timeout=10).status_code == 200
    assert requests.post(f'{url}/v1/add/job', json=dict(job, group_name='OtherG'), headers=_bearer(GROUP),
                         timeout=10).status_code == 403
    assert requests.get(f'{url}/v1/group/list', headers=_bearer(GROUP), timeout=10).status_code == 403
    # dump and import: the cron admin scope only (a dump holds every secret)
    for token, status in ((GROUP, 403), (READ, 403), (JOBS, 403), (CRON, 200), (FULL, 200)):
        assert requests.get(f'{url}/v1/SecG1/dump', headers=_bearer(token), timeout=10).status_code == status
        assert requests.get(f'{url}/v1/dump/all', headers=_bearer(token), timeout=10).status_code == status
    archive = requests.get(f'{url}/v1/dump/all', headers=_bearer(CRON), timeout=10).content
    assert requests.post(f'{url}/v1/import', data=archive, headers=_bearer(GROUP), timeout=10).status_code == 403
    assert requests.post(f'{url}/v1/cron/import_dump', json={'data': ''}, headers=_bearer(GROUP),
                         timeout=10).status_code == 403
    assert requests.post(f'{url}/v1/import', data=archive, headers=_bearer(CRON), timeout=10).status_code == 200
    # domain-less routes: any token reads them
    for token in (GROUP, READ, JOBS):
        assert requests.get(f'{url}/status', headers=_bearer(token), timeout=10).status_code == 200


def test_wrong_tokens_are_limited_per_client():
    authorizer = TokenAuthorizer()
    authorizer.configure(ConfigParams.from_tuples('auth.tokens', GOOD, 'auth.max_failures', 3))
    client = ('10.1.2.3', 5555)
    for _ in range(3):
        assert authorizer.authenticate({'authorization': 'Bearer bad'}, client)[1].status == 401
    assert authorizer.authenticate({'authorization': f'Bearer {GOOD}'}, client)[1].status == 429
    assert authorizer.authenticate({'authorization': f'Bearer {GOOD}'}, ('10.9.9.9', 1))[0] is not None


def test_a_trusted_proxy_names_the_client_whose_wrong_tokens_count():
    with container(AUTH_TOKENS=FULL, HTTP_TRUSTED_PROXIES='127.0.0.1') as (url, _, _, _):
        forwarded = {'X-Forwarded-For': '10.9.8.7'}  # only a header value: nothing connects to it
        for _ in range(25):
            requests.get(url + '/status', headers={**_bearer('wrong'), **forwarded}, timeout=10)
        assert requests.get(url + '/status', headers={**_bearer(FULL), **forwarded}, timeout=10).status_code == 429
        assert requests.get(url + '/status', headers=_bearer(FULL), timeout=10).status_code == 200  # the proxy itself


def test_token_config_rules():
    tokens = parse_tokens('s3cret-0123456789,r3ad-0123456789ab@read,t0k-0123456789abc@cron:YM55+read, ,'
                          'x-0123456789abcdef@jobs+tasks')
    assert [t.unrestricted for t in tokens] == [True, True, False, False]
    assert tokens[2].groups == {'YM55'} and tokens[2].read_only and tokens[3].domains == {'jobs', 'tasks'}
    for bad in ('bad secretZZ-0123456789', 'S3cretZZ-0123456789@nope', 'S3cretZZ-0123456789@cron:bad-group!',
                'S3cretZZ-0123456789@', 'S3cretZZ-0123456789$b', 'S3cretZZ'):
        with pytest.raises(Exception) as info:
            parse_tokens(bad)
        assert 'ZZ' not in str(info.value)  # secrets are never echoed


def test_a_short_token_stops_the_start_with_an_error_naming_the_rule_not_the_token():
    for tokens in ('sh0rtZZsecret', f'{GOOD},ok-but-sh0rtZZ@jobs'):
        env = dict(os.environ, AUTH_TOKENS=tokens, HTTP_HOST='127.0.0.1', HTTP_PORT=str(free_port()),
                   HTTP_FUNC_LISTEN=str(free_port()), MEMORY_ENABLED='true')
        done = subprocess.run([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], env=env, capture_output=True,
                              text=True, timeout=60)
        output = done.stdout + done.stderr
        assert done.returncode != 0 and 'shorter than 16 characters' in output, output[-2000:]
        assert 'ZZ' not in output and GOOD not in output  # the rule, never the secret
    with pytest.raises(Exception) as info:
        parse_tokens(f'{GOOD},0123456789abcde')
    assert info.value.code == 'TOKEN_TOO_SHORT' and 'entry #2' in str(info.value)
    assert len(parse_tokens('a' * 16)) == 1


def _get_from(port: int, source: str, token: str):
    """GET /status from the loopback address ``source`` (the client socket bound to it): (status, headers, body)."""
    connection = http.client.HTTPConnection('127.0.0.1', port, timeout=10, source_address=(source, 0))
    try:
        connection.request('GET', '/status', headers={'Authorization': f'Bearer {token}'})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_guessing_from_many_addresses_hits_the_process_wide_ceiling_but_a_valid_token_passes():
    with container(AUTH_TOKENS=GOOD) as (url, _, endpoint, _):
        port = endpoint.port
        statuses, valid = [], []
        for round in range(5):  # 40 addresses x 5 wrong tokens: 200, each address far below its own 20
            for i in range(40):
                status, headers, body = _get_from(port, f'127.0.0.{10 + i}', f'wrong-guess-{round}-{i:02d}xxxxx')
                statuses.append(status)
                if status == 429:
                    error = json.loads(body)
                    assert error['code'] == 'TOO_MANY_ATTEMPTS' and error['status'] == 429 and error['message']
                    assert 1 <= int(headers['retry-after']) <= 61
            valid.append(_get_from(port, '127.0.0.2', GOOD)[0])  # a clean client, meanwhile
        assert set(statuses) == {401, 429}
        assert statuses[:100] == [401] * 100 and statuses[100:] == [429] * 100, statuses.index(429)
        assert valid == [200] * 5
        # a right token from an address that guessed wrong this minute (a guesser's lucky try) is refused
        assert _get_from(port, '127.0.0.10', GOOD)[0] == 429
        assert _get_from(port, '127.0.0.1', GOOD)[0] == 200


def test_the_process_wide_ceiling_never_refuses_a_valid_token_from_a_clean_address():
    authorizer = TokenAuthorizer()
    authorizer.configure(ConfigParams.from_tuples('auth.tokens', GOOD, 'auth.max_global_failures', 5))
    for i in range(10):
        assert authorizer.authenticate({'authorization': 'Bearer wrong'}, (f'10.0.0.{i}', 1))[1].status == \
            (401 if i < 5 else 429)
    token, failure = authorizer.authenticate({'authorization': f'Bearer {GOOD}'}, ('10.0.1.1', 1))
    assert failure is None and token is not None
    assert authorizer.authenticate({'authorization': f'Bearer {GOOD}'}, ('10.0.0.3', 1))[1].status == 429


def test_a_flood_of_failures_keeps_the_limiter_small_and_engaged():
    limiter = AttemptLimiter(5, 60.0)
    for _ in range(10000):
        limiter.fail(None)
    assert limiter.failures(None) == 5 and limiter.retry_after(None) > 59
    assert limiter.failures('other') == 0 and limiter.retry_after('other') == 0


# --- protected mode ----------------------------------------------------------------------------------
def _reachable_at_another_address(port: int) -> bool:
    """Whether a listener on ``port`` answers at 127.0.0.2: one bound to 127.0.0.1 does not, one bound to
    every address (0.0.0.0) does. Traffic stays on loopback, and the same holds for any other address of
    the machine."""
    try:
        socket.create_connection(('127.0.0.2', port), timeout=3).close()
        return True
    except OSError:
        return False


def test_protected_mode_binds_loopback_only():
    with container(HTTP_HOST='0.0.0.0') as (url, func_url, endpoint, func):
        assert endpoint.host == '127.0.0.1' and func.host == '127.0.0.1'
        assert requests.get(url + '/status', timeout=10).status_code == 200  # no tokens: open on loopback
        assert not _reachable_at_another_address(endpoint.port) and not _reachable_at_another_address(func.port)


def test_tokens_or_auth_disabled_open_other_addresses():
    with container(HTTP_HOST='0.0.0.0', AUTH_TOKENS=GOOD) as (_, _, endpoint, func):
        assert endpoint.host == '0.0.0.0' and func.host == '0.0.0.0'
        assert _reachable_at_another_address(endpoint.port)  # the control: bound to every address
    with container(HTTP_HOST='0.0.0.0', AUTH_DISABLED='true', AUTH_TOKENS=GOOD) as (url, _, endpoint, _):
        assert endpoint.host == '0.0.0.0'
        assert requests.get(url + '/status', timeout=10).status_code == 200  # disabled: no token needed


# --- the outbound address check (no connection at all) ------------------------------------------------
def test_default_deny_list_by_the_address_check_alone():
    policy = OutboundPolicy()
    for host, address in (('169.254.169.254', None), ('169.254.0.1', None), ('fd00:ec2::254', None),
                          ('metadata.google.internal', None), ('metadata.google.internal.', None),
                          ('innocent.example', '169.254.169.254'), ('::ffff:169.254.169.254', None),
                          ('innocent.example', 'fd00:ec2::254'), ('fe80::1', None)):
        assert not policy.is_allowed(host, 80, address), (host, address)
    for host, address in (('example.com', '93.184.216.34'), ('10.0.0.1', None), ('127.0.0.1', None),
                          ('2001:db8::1', None)):
        assert policy.is_allowed(host, 80, address), (host, address)
    with pytest.raises(OutboundDenied):
        policy.resolve('metadata.google.internal', 80)  # refused by name, before any lookup


def test_allow_and_deny_lists():
    policy = OutboundPolicy(allow='10.0.0.0/8,*.corp.example,127.0.0.1:8080,[::1]:80',
                            deny='10.9.0.0/16,bad.corp.example')
    assert policy.is_allowed('10.1.2.3', 443)
    assert not policy.is_allowed('10.9.1.1', 443)  # deny wins over allow
    assert policy.is_allowed('api.corp.example', 443, '192.0.2.1')
    assert not policy.is_allowed('bad.corp.example', 443, '10.1.1.1')
    assert not policy.is_allowed('other.example', 443, '192.0.2.1')
    assert policy.is_allowed('127.0.0.1', 8080) and not policy.is_allowed('127.0.0.1', 8081)
    assert policy.is_allowed('::1', 80) and not policy.is_allowed('::1', 81)
    assert not policy.is_allowed('169.254.1.1', 80)  # the defaults stay whatever the lists say
    with pytest.raises(ConfigException, match='BAD_OUTBOUND_RULE|bad port'):
        OutboundPolicy(deny='10.0.0.0/8:notaport')
    # a name is resolved once and the checked address is what is returned to connect to
    assert OutboundPolicy().resolve('localhost', 80) in ('127.0.0.1', '::1')
    with pytest.raises(OutboundDenied):
        OutboundPolicy(deny='127.0.0.0/8,::1').resolve('localhost', 80)
