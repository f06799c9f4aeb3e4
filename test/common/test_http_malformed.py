"""Malformed requests over raw sockets to the real container: every one is answered by our protocol as a
JSON ErrorDescription 4xx with ``connection: close`` (never uvicorn's text/plain); a 405 names the
allowed methods; a long-poll's wait is capped at the configured ``max_wait``."""
import json
import socket
import time

import pytest
import requests

from test.helpers import running_container

MAX_WAIT_MS = 1000
HOST = b'Host: 127.0.0.1\r\n'


@pytest.fixture(scope='module')
def service():
    with running_container(MEMORY_ENABLED='true', JOBS_MAX_WAIT=str(MAX_WAIT_MS)) as url:
        yield url


def _exchange(url: str, data: bytes, timeout: float = 10) -> bytes:
    """Sends ``data`` in one sendall and reads until the server closes the connection (or the timeout)."""
    host, port = url.rsplit('//', 1)[1].split(':')
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    try:
        sock.sendall(data)
        received, deadline = b'', time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
        return received
    finally:
        sock.close()


def _parse(reply: bytes):
    head, _, body = reply.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = dict(line.split(': ', 1) for line in lines[1:] if ': ' in line)
    return int(lines[0].split(' ')[1]), {k.lower(): v for k, v in headers.items()}, body


MALFORMED = {
    'control byte in the path': (b'GET /heart\x01beat HTTP/1.1\r\n' + HOST + b'\r\n', 400),
    'space in the query': (b'GET /heartbeat?a=b c HTTP/1.1\r\n' + HOST + b'\r\n', 400),
    'tab in the path': (b'GET /heart\tbeat HTTP/1.1\r\n' + HOST + b'\r\n', 400),
    'DEL in the query': (b'GET /heartbeat?a=\x7f HTTP/1.1\r\n' + HOST + b'\r\n', 400),
    'non-ASCII byte in the path': (b'GET /heart\xffbeat HTTP/1.1\r\n' + HOST + b'\r\n', 400),
    'target over 64 KiB': (b'GET /heartbeat?' + b'a' * 70000 + b' HTTP/1.1\r\n' + HOST + b'\r\n', 431),
    '70 KB header in one read': (b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'X-Big: ' + b'y' * 70000 + b'\r\n\r\n', 431),
    '100 KB of headers in one read': (b'GET /heartbeat HTTP/1.1\r\n' + HOST
                                      + b''.join(b'X-H%d: %s\r\n' % (i, b'z' * 1000) for i in range(100)) + b'\r\n',
                                      431),
    'Content-Length not a number': (b'POST /jobs HTTP/1.1\r\n' + HOST + b'Content-Length: abc\r\n\r\n', 400),
    'negative Content-Length': (b'POST /jobs HTTP/1.1\r\n' + HOST + b'Content-Length: -1\r\n\r\n', 400),
    'Content-Length overflowing': (b'POST /jobs HTTP/1.1\r\n' + HOST + b'Content-Length: 1' + b'0' * 30 + b'\r\n\r\n',
                                   400),
    'two Content-Lengths': (b'POST /jobs HTTP/1.1\r\n' + HOST + b'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
                            400),
    'Content-Length and chunked': (b'POST /jobs HTTP/1.1\r\n' + HOST
                                   + b'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400),
    'unknown Transfer-Encoding': (b'POST /jobs HTTP/1.1\r\n' + HOST + b'Transfer-Encoding: gzip\r\n\r\n{}', 400),
    'bad chunk size': (b'POST /jobs HTTP/1.1\r\n' + HOST + b'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
                       400),
    'WebSocket upgrade': (b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'Connection: Upgrade\r\nUpgrade: websocket\r\n'
                          b'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n', 400),
    'h2c upgrade': (b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n'
                    b'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n', 400),
    'HTTP/2 preface': (b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400),
    'CONNECT': (b'CONNECT 127.0.0.1:1 HTTP/1.1\r\n' + HOST + b'\r\n', 400),
    'TLS hello on the plain port': (b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + b'\x00' * 40, 400),
    'unknown HTTP version': (b'GET /heartbeat HTTP/9.9\r\n' + HOST + b'\r\n', 400),
    'space in a header name': (b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'X Y: z\r\n\r\n', 400),
    'control byte in a header value': (b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'X-Y: a\x01b\r\n\r\n', 400),
    'bad request after a good one': (b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'\r\nGET /a\x01 HTTP/1.1\r\n\r\n', 400),
}


@pytest.mark.parametrize('name', list(MALFORMED))
def test_a_malformed_request_gets_a_json_error_description_and_a_close(service, name):
    data, expected = MALFORMED[name]
    reply = _exchange(service, data)
    if name == 'bad request after a good one':  # the good one is answered first, then the refusal
        first, _, body = reply.partition(b'\r\n\r\n')
        assert _parse(first + b"\r\n\r\n")[0] == 200, reply
        reply = body[body.index(b'HTTP/1.1 '):]
    status, headers, body = _parse(reply)
    assert status == expected, reply[:300]
    assert headers['content-type'] == 'application/json' and headers['connection'] == 'close'
    error = json.loads(body)
    assert error['status'] == expected and error['code'] and error['message'], error
    assert b'Invalid HTTP request received' not in reply


def test_the_service_answers_normally_after_the_malformed_ones(service):
    for data, _ in MALFORMED.values():
        _exchange(service, data, timeout=2)
    assert requests.get(service + '/heartbeat', timeout=5).status_code == 200


def test_a_head_under_the_limit_in_one_read_is_served(service):
    status, _, _ = _parse(_exchange(service, b'GET /heartbeat HTTP/1.1\r\n' + HOST + b'X-Big: ' + b'y' * 60000
                                    + b'\r\nConnection: close\r\n\r\n'))
    assert status == 200


@pytest.mark.parametrize('method,path,allowed', [
    ('DELETE', '/heartbeat', 'GET'),
    ('PATCH', '/jobs', 'POST'),
    ('POST', '/jobs/some-id', 'DELETE, GET, PUT'),
    ('GET', '/v1/jobs/add_job', 'POST'),
])
def test_a_405_names_the_allowed_methods(service, method, path, allowed):
    r = requests.request(method, service + path, timeout=5)
    assert r.status_code == 405 and r.headers['Allow'] == allowed
    assert r.json()['code'] == 'METHOD_NOT_ALLOWED' and r.json()['status'] == 405


@pytest.mark.parametrize('value', ['100000', '1e400', 'Infinity'])
def test_a_huge_block_for_is_capped_at_max_wait(service, value):
    started = time.monotonic()
    r = requests.post(service + '/want_job', json={'queue': 'nothing-here'},
                      headers={'X-Accepted-Block-For': value}, timeout=30)
    elapsed = time.monotonic() - started
    assert r.status_code == 204
    assert MAX_WAIT_MS / 1000 * 0.8 <= elapsed < MAX_WAIT_MS / 1000 + 5


def test_a_huge_wait_for_a_result_is_capped_at_max_wait(service):
    job = requests.post(service + '/jobs', json={'queue': 'unworked'}, timeout=5).json()
    started = time.monotonic()
    r = requests.get(f"{service}/jobs/{job['id']}", headers={'X-Accepted-Wait-Result': '1e9'}, timeout=30)
    assert r.status_code == 200 and r.json()['status'] == 'queued'
    assert time.monotonic() - started < MAX_WAIT_MS / 1000 + 5


@pytest.mark.parametrize('value', ['-1', 'nan', 'soon'])
def test_a_wait_that_is_no_number_of_seconds_is_a_400(service, value):
    r = requests.post(service + '/want_job', json={'queue': 'q'}, headers={'X-Accepted-Block-For': value}, timeout=5)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_HEADER'
