"""The lingering close against the real service: a client that sends its whole body before it reads
(urllib) reads the 413 ErrorDescription instead of a reset; a refused head followed by a body is read
too; a client that never stops sending is cut after the time bound, a silent one after the idle gap, and
a 200 MB upload after the byte bound without the service's memory growing."""
import json
import os
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import requests

from test.helpers import CONFIG_PATH, ROOT, free_port, running_container, wait_http

MiB = 1024 * 1024
LINGER_BYTES, LINGER_SECONDS, LINGER_IDLE = 64 * MiB, 10, 2  # the endpoint's defaults
SLACK = 5  # seconds past a bound before a test calls the connection not cut
HOST = b'Host: 127.0.0.1\r\n'
PLACE_IDLE, PLACE_WINDOW = 6, 1.5  # one_lingerer's idle gap; how long a trickle tells closed from lingering


@pytest.fixture(scope='module')
def service():
    with running_container(MEMORY_ENABLED='true') as url:
        yield url


def _address(url: str):
    host, port = url.rsplit('//', 1)[1].split(':')
    return host, int(port)


def _error_description(body: bytes, status: int, code: str) -> dict:
    error = json.loads(body)
    assert error['status'] == status and error['code'] == code and error['message'], error
    return error


def _reply(data: bytes):
    head, _, body = data.partition(b'\r\n\r\n')
    status = int(head.split(b' ', 2)[1])
    return status, body


def _upload_head(size: int) -> bytes:
    return (b'POST /v1/jobs/add_job HTTP/1.1\r\n' + HOST + b'Content-Type: application/json\r\n'
            b'Content-Length: %d\r\n\r\n' % size)


def test_urllib_sending_40_mb_reads_the_413_and_the_service_goes_on(service):
    body = b'x' * (40 * 1000 * 1000)
    for _ in range(3):
        request = urllib.request.Request(service + '/v1/jobs/add_job', data=body, method='POST',
                                         headers={'Content-Type': 'application/json'})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=30)
        assert info.value.code == 413
        _error_description(info.value.read(), 413, 'TOO_LARGE')
    assert requests.get(service + '/heartbeat', timeout=10).status_code == 200


REFUSED_HEADS = {
    'a head over 64 KiB': (b'POST /v1/jobs/add_job HTTP/1.1\r\n' + HOST + b'X-Big: ' + b'y' * 70000 + b'\r\n'
                           b'Content-Length: 8000000\r\n\r\n', 431, 'HEADERS_TOO_LARGE'),
    'a control byte in the path': (b'POST /v1/jobs/add\x01job HTTP/1.1\r\n' + HOST
                                   + b'Content-Length: 8000000\r\n\r\n', 400, 'BAD_REQUEST'),
}


@pytest.mark.parametrize('case', sorted(REFUSED_HEADS))
def test_a_refused_head_is_read_by_a_client_that_sends_its_body_first(service, case):
    """Answered by the protocol itself (not the app), closed the same lingering way."""
    head, status, code = REFUSED_HEADS[case]
    with socket.create_connection(_address(service), timeout=30) as sock:
        sock.sendall(head + b'z' * 8_000_000)  # all of it before reading, as urllib does
        received = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    got, body = _reply(received)
    assert got == status
    _error_description(body, status, code)


def _until_cut(sock: socket.socket, limit: float, chunk: bytes, gap: float):
    """Sends ``chunk`` every ``gap`` seconds and reads, until the service ends the connection (a send or a
    read is refused: its half-close after the reply, an EOF, is not the end) or ``limit`` seconds pass.
    Returns (bytes received, seconds until cut or None, bytes sent)."""
    sock.setblocking(False)
    received, sent, started, eof = b'', 0, time.monotonic(), False
    next_send = started
    while time.monotonic() - started < limit:
        wants_write = time.monotonic() >= next_send
        readable, writable, _ = select.select([] if eof else [sock], [sock] if wants_write else [], [], 0.05)
        try:
            if readable:
                data = sock.recv(1 << 20)
                eof = not data
                received += data
            if writable:
                sent += sock.send(chunk)
                next_send = time.monotonic() + gap
        except (ConnectionResetError, BrokenPipeError):
            return received, time.monotonic() - started, sent
        except BlockingIOError:
            pass
    return received, None, sent


def test_a_client_that_never_stops_sending_is_cut_after_the_time_bound(service):
    with socket.create_connection(_address(service), timeout=30) as sock:
        sock.sendall(_upload_head(1 << 40))
        received, cut_after, _ = _until_cut(sock, LINGER_SECONDS + SLACK, b'x' * 1024, 0.2)
    status, body = _reply(received)
    assert status == 413
    _error_description(body, 413, 'TOO_LARGE')
    assert cut_after is not None, 'still open past the time bound'
    assert cut_after >= LINGER_SECONDS / 2  # it lingered (a trickle never leaves an idle gap), then was cut


def test_a_client_that_goes_silent_is_cut_after_the_idle_gap(service):
    with socket.create_connection(_address(service), timeout=30) as sock:
        sock.sendall(_upload_head(1 << 30) + b'x' * 100_000)
        received = b''
        while True:  # the reply, then the service's half-close
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        time.sleep(LINGER_IDLE + SLACK)
        # a byte to a lingering connection is read and dropped; to a closed one it is answered by a reset
        _, cut_after, _ = _until_cut(sock, SLACK, b'x', 0.2)
    assert _reply(received)[0] == 413
    assert cut_after is not None, 'still open past the idle gap'


def _rss_kib(pid: int) -> int:
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS')


@pytest.fixture()
def service_process(tmp_path):
    """The service in a process of its own (its memory measured alone); stopped by its pid."""
    port = free_port()
    env = dict(os.environ, HTTP_HOST='127.0.0.1', HTTP_PORT=str(port), HTTP_FUNC_LISTEN=str(free_port()),
               MEMORY_ENABLED='true', LOG_LEVEL='error',
               PYTHONPATH=os.pathsep.join(filter(None, [os.path.join(ROOT, 'src'), os.environ.get('PYTHONPATH')])))
    process = subprocess.Popen([sys.executable, '-m', 'service_background.container.main', '-c', CONFIG_PATH],
                               env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f'http://127.0.0.1:{port}'
        wait_http(url + '/heartbeat', timeout=60)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _upload(url: str, size: int):
    with socket.create_connection(_address(url), timeout=30) as sock:
        sock.sendall(_upload_head(size))
        return _until_cut(sock, LINGER_SECONDS + SLACK, b'x' * MiB, 0)


def test_a_200_mb_upload_reads_the_413_and_is_cut_after_the_byte_bound_in_bounded_memory(service_process):
    url, pid = service_process
    _upload(url, 200 * MiB)  # warm-up: buffers and code paths the measure should not count
    before = _rss_kib(pid)
    received, cut_after, sent = _upload(url, 200 * MiB)
    grown = _rss_kib(pid) - before
    status, body = _reply(received)
    assert status == 413
    _error_description(body, 413, 'TOO_LARGE')
    assert cut_after is not None, 'still open past the time bound'
    # cut at the byte bound, give or take the socket buffers of both ends: far from the 200 MB
    assert LINGER_BYTES <= sent < LINGER_BYTES + 32 * MiB, sent
    assert grown < 8 * 1024, f'the service grew {grown} KiB'
    assert requests.get(url + '/heartbeat', timeout=10).status_code == 200


class _OneRoute:
    """A registration with one route on an endpoint (what a RestService registers, reduced to that)."""

    def __init__(self, endpoint):
        self._endpoint = endpoint

    def register(self):
        self._endpoint.register_route('POST', '/echo', None, lambda: None, blocking=False)


@pytest.fixture()
def one_lingerer():
    """An endpoint that lets one connection linger at a time."""
    from pip_services3_commons.config import ConfigParams

    from service_background.common.http.endpoint import HttpEndpoint
    endpoint = HttpEndpoint()
    endpoint.configure(ConfigParams.from_tuples('connection.host', '127.0.0.1', 'connection.port', free_port(),
                                                'options.max_body', 1024, 'options.linger_connections', 1,
                                                'options.linger_idle', PLACE_IDLE))
    endpoint.register(_OneRoute(endpoint))
    endpoint.open(None)
    try:
        yield ('127.0.0.1', endpoint.port)
    finally:
        endpoint.close(None)


def _refused_upload(address) -> socket.socket:
    sock = socket.create_connection(address, timeout=30)
    sock.sendall(b'POST /echo HTTP/1.1\r\n' + HOST + b'Content-Length: 1000000\r\n\r\n')
    received = b''
    while True:  # the 413, then the service's half-close (lingering) or close
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    assert _reply(received)[0] == 413
    return sock


def test_lingering_connections_are_bounded_and_a_freed_place_is_taken_again(one_lingerer):
    first = _refused_upload(one_lingerer)
    try:
        second = _refused_upload(one_lingerer)
        with second:  # no place left: closed at once: a trickle is refused long before the idle gap
            assert _until_cut(second, PLACE_WINDOW, b'x', 0.1)[1] is not None
        assert _until_cut(first, PLACE_WINDOW, b'x', 0.1)[1] is None  # the first still lingers
    finally:
        first.close()
    time.sleep(0.5)  # the first's close reaches the service and gives its place back
    with _refused_upload(one_lingerer) as third:
        assert _until_cut(third, PLACE_WINDOW, b'x', 0.1)[1] is None  # lingers again
