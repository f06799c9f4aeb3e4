"""Cron security: the HTTP@ code opens nothing else, OTP brute force gets 429, outbound rules on
loopback addresses only (127.0.0.2 denied, a redirect from 127.0.0.1 into it), the header-bomb
import, and groups named ``task`` and ``namespace`` on every cron route."""
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyotp
import requests

from service_background.common.clients.outbound import OutboundPolicy
from service_background.common.http.router import Router
from test.helpers import ROOT, running_container

from .conftest import add_job
from .test_cron_nodes import _runs


# --- the HTTP@ code opens neither nodes nor functions; brute force → 429 ----------------------------
def test_the_code_an_http_target_receives_opens_no_node(cron_url, target, group):
    name, _ = group
    job = add_job(cron_url, name, f'HTTP@{target.url}/sec-{name}', '@once')
    [call] = target.wait_for(f'/sec-{name}', 1)
    code = call.query['otp_code']  # what any HTTP@ target of the group sees
    assert code and _runs(cron_url, name, job['job_id'], 1)
    for path in ('register', 'poll', 'heartbeat', 'report'):
        r = requests.post(f'{cron_url}/v1/node/{path}', json={'group_name': name, 'node_id': 'evil', 'otp_code': code,
                                                              'allow_exec': True}, timeout=10)
        assert r.status_code == 401, (path, r.text)


def test_guarded_function_and_node_login_refuse_the_http_code_and_limit_guesses():
    from test.common.test_security import container
    with container() as (url, func_url, _, _):
        group = requests.post(f'{url}/v1/register/group', json={'group_name': 'SecF'}, timeout=10).json()
        assert group['node_secret'] and group['node_secret'] != group['otp_secret']
        own = requests.post(f'{url}/v1/add/func', json={'group_name': 'SecF', 'name': 'G', 'use_otp': True,
                                                        'lua_body': 'print("in")'}, timeout=10).json()['otp_secret']
        http_code = pyotp.TOTP(group['otp_secret']).now()
        func = f'{func_url}/SecF/G'
        assert requests.get(func, params={'otp_code': http_code}, timeout=10).status_code == 401
        assert requests.get(func, params={'otp_code': pyotp.TOTP(own).now()}, timeout=10).status_code == 200
        r = requests.post(f'{url}/v1/node/register', json={'group_name': 'SecF', 'node_id': 'n', 'otp_code': http_code},
                          timeout=10)
        assert r.status_code == 401
        r = requests.post(f'{url}/v1/node/register', json={'group_name': 'SecF', 'node_id': 'n',
                                                           'otp_code': pyotp.TOTP(group['node_secret']).now()},
                          timeout=10)
        assert r.status_code == 200 and r.json()['token']
        # brute force: 10 wrong codes a minute per (group, address), then 429 even for the right one
        statuses = [requests.get(func, params={'otp_code': f'{i:06d}'}, timeout=10).status_code for i in range(12)]
        assert statuses[:9] == [401] * 9 and statuses[10:] == [429, 429], statuses
        r = requests.get(func, params={'otp_code': pyotp.TOTP(own).now()}, timeout=10)
        assert r.status_code == 429 and r.json()['code'] == 'TOO_MANY_ATTEMPTS'
        statuses = [requests.post(f'{url}/v1/node/register', json={'group_name': 'SecF', 'node_id': 'n',
                                                                   'otp_code': f'{i:06d}'}, timeout=10).status_code
                    for i in range(12)]
        assert 429 in statuses and statuses[0] in (401, 429)


# --- outbound rules, on loopback addresses only ---------------------------------------------------------
class _Server:
    """An HTTP server on ``host`` counting its calls; ``redirect`` answers 302 to that URL."""

    def __init__(self, host, redirect=None):
        self.calls = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.calls += 1
                if redirect:
                    self.send_response(302)
                    self.send_header('Location', redirect)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                else:
                    self.send_response(200)
                    self.send_header('Content-Length', '2')
                    self.end_headers()
                    self.wfile.write(b'ok')

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f'http://{host}:{self.server.server_address[1]}/'
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_http_runs_to_a_denied_address_or_redirected_into_it_fail_and_send_nothing():
    target = _Server('127.0.0.2')
    redirector = _Server('127.0.0.1', redirect=target.url + 'secret')
    try:
        with running_container(MEMORY_ENABLED='true', OUTBOUND_DENY='127.0.0.2') as url:
            requests.post(f'{url}/v1/register/group', json={'group_name': 'Out1'}, timeout=10)
            direct = add_job(url, 'Out1', f'HTTP@{target.url}', '@once')
            hop = add_job(url, 'Out1', f'HTTP@{redirector.url}', '@once')
            [run] = _runs(url, 'Out1', direct['job_id'], 1)
            assert run['status'] == 'failed' and 'refused' in run['error'] and '127.0.0.2' in run['error'], run
            [run] = _runs(url, 'Out1', hop['job_id'], 1)
            assert run['status'] == 'failed' and 'refused' in run['error'], run
            assert redirector.calls == 1 and target.calls == 0
        # the same target is reached when nothing denies it (the server works)
        with running_container(MEMORY_ENABLED='true') as url:
            requests.post(f'{url}/v1/register/group', json={'group_name': 'Out2'}, timeout=10)
            job = add_job(url, 'Out2', f'HTTP@{redirector.url}', '@once')
            [run] = _runs(url, 'Out2', job['job_id'], 1)
            assert run['status'] == 'ok' and target.calls == 1, run
    finally:
        target.close()
        redirector.close()


def test_callbacks_and_the_lua_redis_module_obey_the_rules():
    from service_background.cron.lua_runtime.redis_module import RedisBridge
    from service_background.jobs.data.version1 import JobV1
    from service_background.jobs.logic.callback_sender import CallbackSender
    target = _Server('127.0.0.2')
    redirector = _Server('127.0.0.1', redirect=target.url)
    policy = OutboundPolicy(deny='127.0.0.2')
    sender = CallbackSender(retries=0, timeout_ms=2000, threads=1, policy=lambda: policy)
    sender.start()
    try:
        for url in (target.url, redirector.url):
            sender.send(JobV1(id='j', type='t', callback_url=url))
        deadline = time.time() + 5
        while redirector.calls < 1 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        assert redirector.calls == 1 and target.calls == 0
    finally:
        sender.stop()
        target.close()
        redirector.close()
    bridge = RedisBridge(None, lambda: 1.0, None, policy)
    handle, error = bridge.open(b'127.0.0.2:6379')
    assert handle is None and b'denied' in error
    handle, error = RedisBridge(None, lambda: 1.0, None, OutboundPolicy()).open(b'169.254.169.254:6379')
    assert handle is None and b'denied' in error  # refused by the check: no connection is tried


# --- the header bomb ----------------------------------------------------------------------------------------
def _header_bomb(path, claimed=300 * 1024 * 1024):
    """A tar.gz of ~300 KB whose first header is a GNU long name of ``claimed`` bytes."""
    header = bytearray(512)
    header[:13] = b'././@LongLink'
    header[100:108] = b'0000644\0'
    header[124:136] = b'%011o\0' % claimed
    header[156:157] = b'L'
    header[257:265] = b'ustar  \0'
    header[148:156] = b'        '
    header[148:156] = b'%06o\0 ' % sum(header)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, 'wb') as out:
        out.write(compressor.compress(bytes(header)))
        chunk = b'a' * (1024 * 1024)
        for _ in range(claimed // len(chunk)):
            out.write(compressor.compress(chunk))
        out.write(compressor.flush())


def test_a_header_bomb_is_rejected_in_bounded_memory(tmp_path):
    bomb = tmp_path / 'bomb.tar.gz'
    _header_bomb(bomb)
    assert os.path.getsize(bomb) < 1024 * 1024
    script = (
        'import resource, sys\n'
        'from service_background.cron.logic.cron_dump import read_archive\n'
        'data = open(sys.argv[1], "rb").read()\n'
        'before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n'
        'try:\n'
        '    read_archive(data)\n'
        '    print("accepted")\n'
        'except Exception as ex:\n'
        '    print(type(ex).__name__, getattr(ex, "status", None), ex)\n'
        'print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n')
    out = subprocess.run([sys.executable, '-c', script, str(bomb)], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'src')), check=True).stdout.splitlines()
    assert out[0].startswith('BadRequestException 400') and 'header record' in out[0], out
    assert int(out[1]) < 32, f'peak RSS grew by {out[1]} MB'
    # the same through the API: 400, an ErrorDescription
    with running_container(MEMORY_ENABLED='true') as url:
        r = requests.post(f'{url}/v1/import', data=bomb.read_bytes(), timeout=30)
        assert r.status_code == 400 and r.json()['code'] == 'BAD_ARCHIVE', r.text


def test_import_keeps_existing_secrets_unless_asked(cron_url):
    group = requests.post(f'{cron_url}/v1/register/group', json={'group_name': 'KeepS'}, timeout=10).json()
    entry = {'group': {'group_name': 'KeepS', 'otp_secret': pyotp.random_base32(),
                       'node_secret': pyotp.random_base32()}, 'jobs': [], 'funcs': []}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        data = json.dumps(entry).encode()
        info = tarfile.TarInfo('KeepS.json')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))

    def stored():
        archive = requests.get(f'{cron_url}/v1/KeepS/dump', timeout=10).content
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            return json.load(tar.extractfile('KeepS.json'))['group']
    assert requests.post(f'{cron_url}/v1/import', data=buffer.getvalue(), timeout=10).status_code == 200
    assert stored()['otp_secret'] == group['otp_secret'] and stored()['node_secret'] == group['node_secret']
    r = requests.post(f'{cron_url}/v1/import?replace_secrets=true', data=buffer.getvalue(), timeout=10)
    assert r.status_code == 200
    assert stored()['otp_secret'] == entry['group']['otp_secret']
    assert stored()['node_secret'] == entry['group']['node_secret']
    assert gzip  # the archive module used above


# --- groups named task and namespace ----------------------------------------------------------------------
def test_every_cron_route_reaches_cron_for_groups_task_and_namespace():
    """From the route table: every route with <group_name> matches itself for these names."""
    from test.common.test_security import container
    with container() as (url, _, endpoint, _):
        router = Router()
        for method, path, _ in endpoint.route_access():
            router.add(method, path, path)
        group_routes = [(m, p) for m, p, _ in endpoint.route_access() if '<group_name>' in p]
        assert len(group_routes) >= 9
        for name in ('task', 'namespace'):
            for method, path in group_routes:
                concrete = path.replace('<group_name>', name).replace('<job_name>', 'Hello').replace('<name>', 'F')
                route, params, _ = router.match(method, concrete)
                assert route is not None and route.path == path and params['group_name'] == name, (method, concrete)

        for name in ('task', 'namespace'):
            assert requests.post(f'{url}/v1/register/group', json={'group_name': name}, timeout=10).status_code == 200
            job = add_job(url, name, 'HTTP@http://127.0.0.1:9/', '@every 1h')
            func = {'group_name': name, 'name': 'F', 'lua_body': 'print("f")'}
            assert requests.post(f'{url}/v1/add/func', json=func, timeout=10).status_code == 200
            listed = requests.get(f'{url}/v1/{name}/job/list', timeout=10)
            assert listed.status_code == 200 and [j['job_id'] for j in listed.json()] == [job['job_id']]
            info = requests.get(f'{url}/{name}/v1/group/info', timeout=10).json()
            assert info['group_name'] == name and info['job_count'] == 1
            for path in (f'/v1/{name}/node/list', f'/{name}/v1/node/list'):
                assert requests.get(url + path, timeout=10).json() == []
            assert [f['name'] for f in requests.get(f'{url}/v1/{name}/func/list', timeout=10).json()] == ['F']
            dump = requests.get(f'{url}/v1/{name}/dump', timeout=10)
            assert dump.status_code == 200 and dump.headers['content-type'] == 'application/gzip'
            assert requests.delete(f'{url}/v1/{name}/func/delete/F', timeout=10).json()['name'] == 'F'
            assert requests.delete(f'{url}/v1/{name}/job/delete/Hello', timeout=10).json() == {'deleted': 1}
            add_job(url, name, 'HTTP@http://127.0.0.1:9/', '@every 1h')
            assert requests.delete(f'{url}/v1/{name}/job/clear', timeout=10).json() == {'deleted': 1}
            assert requests.post(f'{url}/v1/import', data=dump.content, timeout=10).status_code == 200
            assert requests.post(f'{url}/v1/remove/group', json={'group_name': name}, timeout=10).status_code == 200
        # and the tasks routes keep theirs
        r = requests.post(f'{url}/v1/namespace', json={'id': 'ns1', 'name': 'ns1'}, timeout=10)
        assert r.status_code in (200, 201), r.text
        assert requests.get(f'{url}/v1/namespace/ns1', timeout=10).status_code == 200
        assert requests.get(f'{url}/v1/task/no/such', timeout=10).status_code == 204
