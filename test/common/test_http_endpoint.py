"""The ASGI endpoint as a hostile or crowded client meets it: on the real container, over loopback."""
import resource
import socket
import time

import pytest
import requests

MB = 1024 * 1024


def _raw_request(method: str, path: str, headers: dict, body: bytes = b'') -> bytes:
    lines = [f'{method} {path} HTTP/1.1', 'Host: 127.0.0.1', f'Content-Length: {len(body)}']
    lines += [f'{k}: {v}' for k, v in headers.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


def _connect(url: str) -> socket.socket:
    host, port = url.rsplit('//', 1)[1].split(':')
    return socket.create_connection((host, int(port)), timeout=10)


def _drip_head(sock: socket.socket, seconds: float = 10) -> int:
    """Sends a request head a byte every 0.3 s until the server answers (its status) or ``seconds`` pass (0)."""
    sock.sendall(b'GET /heartbeat HTTP/1.1\r\n')
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.sendall(b'X')
        sock.settimeout(0.3)
        try:
            return _read_status(sock)
        except socket.timeout:
            continue
    return 0


def _read_status(sock: socket.socket) -> int:
    data = b''
    while b'\r\n' not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b' ', 2)[1]) if data else 0


def test_a_body_over_the_cap_is_refused_with_413_before_it_is_read(memory_service):
    sock = _connect(memory_service)
    try:
        # announce 64 MiB, send none of it: the answer comes without the body
        sock.sendall(_raw_request('POST', '/jobs', {'Content-Type': 'application/json'}, b'')
                     .replace(b'Content-Length: 0', b'Content-Length: %d' % (64 * MB)))
        assert _read_status(sock) == 413
    finally:
        sock.close()
    r = requests.post(memory_service + '/v1/retries/add_retry', data=b'{"group":"g","id":"' + b'x' * (17 * MB) + b'"}',
                      timeout=30)
    assert r.status_code == 413 and r.json()['code'] == 'TOO_LARGE' and r.json()['status'] == 413


def test_a_chunked_body_over_the_cap_is_refused(memory_service):
    def chunks():
        for _ in range(20):
            yield b'x' * MB
    r = requests.post(memory_service + '/jobs', data=chunks(), timeout=30)
    assert r.status_code == 413 and r.json()['code'] == 'TOO_LARGE'


def test_a_huge_request_head_gets_431(memory_service):
    sock = _connect(memory_service)
    try:
        sock.sendall(_raw_request('GET', '/heartbeat', {'X-Big': 'y' * (200 * 1024)}))
        assert _read_status(sock) == 431
    finally:
        sock.close()


def test_slow_header_clients_hold_nothing_others_need(memory_service):
    slow = [_connect(memory_service) for _ in range(300)]
    try:
        for sock in slow:
            sock.sendall(b'GET /heartbeat HTTP/1.1\r\nHost: x\r\nX-Slow: ')
        started = time.monotonic()
        r = requests.get(memory_service + '/heartbeat', timeout=5)
        assert r.status_code == 200 and time.monotonic() - started < 5
    finally:
        for sock in slow:
            sock.close()


def test_a_slow_header_client_is_cut_off(memory_service_short_header_timeout):
    sock = _connect(memory_service_short_header_timeout)
    try:
        assert _drip_head(sock) == 408
    finally:
        sock.close()


def test_a_slow_second_request_on_a_kept_alive_connection_is_cut_off(memory_service_short_header_timeout):
    """The head timer is armed once per timeout on a connection, not per request: a quick request, an idle
    pause longer than the timeout, then a head sent one byte at a time must still get 408."""
    sock = _connect(memory_service_short_header_timeout)
    try:
        sock.sendall(_raw_request('GET', '/heartbeat', {}))
        data = b''
        while b'\r\n\r\n' not in data:  # the whole first response, so the next read starts afresh
            data += sock.recv(4096)
        head, body = data.split(b'\r\n\r\n', 1)
        length = int(head.lower().split(b'content-length: ', 1)[1].split(b'\r\n', 1)[0])
        while len(body) < length:
            body += sock.recv(4096)
        assert head.split(b' ', 2)[1] == b'200'
        time.sleep(1.5)  # idle past the 1 s timeout: the timer fired and found no head pending
        started = time.monotonic()
        assert _drip_head(sock) == 408 and time.monotonic() - started < 5
    finally:
        sock.close()


@pytest.fixture
def memory_service_short_header_timeout(monkeypatch):
    from service_background.common.http import endpoint
    from test.helpers import running_container
    config = endpoint.HttpEndpoint._default_config
    monkeypatch.setattr(endpoint.HttpEndpoint, "_default_config", config.override(
        config.from_tuples("options.header_timeout", 1)))
    with running_container(MEMORY_ENABLED='true') as url:
        yield url


def test_two_thousand_blocked_want_job_clients_leave_the_api_answering(memory_service):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 10000)), hard))
    waiters = []
    try:
        request = _raw_request('POST', '/want_job', {'X-Accepted-Block-For': '30'}, b'{"queue":"blocked"}')
        for _ in range(2000):
            sock = _connect(memory_service)
            sock.sendall(request)
            waiters.append(sock)
        time.sleep(0.5)  # let the server take them all in
        started = time.monotonic()
        r = requests.post(memory_service + '/jobs', json={'queue': 'other', 'params': 1}, timeout=10)
        assert r.status_code == 202
        assert requests.get(memory_service + '/heartbeat', timeout=10).status_code == 200
        assert time.monotonic() - started < 5
        # and the waiters are served by a job on their queue: one of them gets it
        assert requests.post(memory_service + '/jobs', json={'queue': 'blocked'}, timeout=10).status_code == 202
        served = 0
        deadline = time.monotonic() + 10
        for sock in waiters:
            sock.setblocking(False)
        while served == 0 and time.monotonic() < deadline:
            for sock in waiters:
                try:
                    if sock.recv(64).startswith(b'HTTP/1.1 200'):
                        served += 1
                except BlockingIOError:
                    pass
            time.sleep(0.05)
        assert served == 1
    finally:
        for sock in waiters:
            sock.close()


def test_a_long_poll_whose_client_hung_up_takes_no_job(memory_service):
    sock = _connect(memory_service)
    sock.sendall(_raw_request('POST', '/want_job', {'X-Accepted-Block-For': '30'}, b'{"queue":"gone"}'))
    time.sleep(0.3)
    sock.close()
    time.sleep(0.3)  # the server notices the hang-up and cancels the wait
    added = requests.post(memory_service + '/jobs', json={'queue': 'gone'}, timeout=10).json()
    job = requests.get(f"{memory_service}/jobs/{added['id']}", timeout=10).json()
    assert job['status'] == 'queued'
    taken = requests.post(memory_service + '/want_job', json={'queue': 'gone'}, timeout=10)
    assert taken.status_code == 200 and taken.json()['id'] == added['id']
