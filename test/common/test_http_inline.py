"""Inline requests (http_protocol.py): a small keep-alive request to a synchronous, non-blocking route is
answered from the parser's callbacks, no task; everything else goes the ASGI way, and both give the same
replies, in order, over real loopback connections to a real HttpEndpoint."""
import asyncio
import logging
import socket
import time

import pytest
from pip_services3_commons.config import ConfigParams

from service_background.common.http_endpoint import HttpEndpoint
from service_background.common.http_request import current_request
from service_background.common.http_response import HttpResponse


def _where() -> str:
    try:
        return 'task' if asyncio.current_task() is not None else 'inline'
    except RuntimeError:
        return 'pool'  # no event loop in this thread: the blocking pool


class _Routes:
    def __init__(self, endpoint: HttpEndpoint):
        self.endpoint, self.seen = endpoint, []

    def register(self):
        add = self.endpoint.register_route
        add('POST', '/echo', None, self.echo, blocking=False)
        add('POST', '/pooled', None, self.echo, blocking=True)
        add('GET', '/headers', None, lambda: HttpResponse(200, b'{}', 'application/json', {'X-Thing': 'yes'}),
            blocking=False)
        add('GET', '/closing', None, lambda: HttpResponse(200, b'{}', 'application/json', {'Connection': 'close'}),
            blocking=False)
        add('GET', '/wait', None, self.wait)
        add('GET', '/bad_header', None, lambda: HttpResponse(200, b'{}', 'application/json', {'X-Bad': 'a\r\nb'}),
            blocking=False)

    async def wait(self):
        self.seen.append(_where())
        await asyncio.sleep(1)
        return HttpResponse(200, b'waited', 'text/plain')

    def echo(self):
        self.seen.append(_where())
        return HttpResponse(200, b'echo:' + current_request().body, 'text/plain')


@pytest.fixture
def endpoint(monkeypatch):
    endpoint = HttpEndpoint()
    endpoint.configure(ConfigParams.from_tuples('connection.protocol', 'http', 'connection.host', '127.0.0.1',
                                                'connection.port', 0, 'options.max_body', 1024 * 1024))
    routes = _Routes(endpoint)
    endpoint.register(routes)
    endpoint.open(None)
    def connect():
        # pytest's log capture hangs handlers on uvicorn.access as a test starts: uvicorn would log each
        # request, and a server with an access log serves nothing inline (in production it has none)
        monkeypatch.setattr(logging.getLogger('uvicorn.access'), 'handlers', [])
        return _Replies(endpoint.port)
    routes.endpoint = endpoint
    try:
        yield connect, routes
    finally:
        endpoint.close(None)


def _request(method: str, path: str, body: bytes = b'', headers: str = '', version: str = '1.1') -> bytes:
    return (f'{method} {path} HTTP/{version}\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n{headers}\r\n'
            .encode() + body)


def _chunked(path: str, body: bytes) -> bytes:
    return (f'POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n'
            f'{len(body):x}\r\n'.encode() + body + b'\r\n0\r\n\r\n')


class _Replies:
    """Reads replies off one connection: (status, headers by lower-case name, body)."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=10)
        self.buffer = b''

    def read(self):
        while b'\r\n\r\n' not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b'\r\n\r\n', 1)
        lines = head.decode('latin-1').split('\r\n')
        headers = dict((k.lower(), v.strip()) for k, v in (line.split(':', 1) for line in lines[1:]))
        length = int(headers.get('content-length', 0))
        while len(self.buffer) < length:
            self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split(' ')[1]), headers, body

    def closed(self) -> bool:
        self.sock.settimeout(5)
        return self.buffer == b'' and self.sock.recv(1) == b''

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError('closed')
        self.buffer += chunk


def test_small_sync_requests_are_inline_the_rest_the_asgi_way_with_the_same_replies(endpoint):
    connect, routes = endpoint
    replies = connect()
    big = b'x' * (100 * 1024)
    cases = [(_request('POST', '/echo', b'small'), b'small', 'inline'),
             (_chunked('/echo', b'chunks'), b'chunks', 'task'),
             (_request('POST', '/echo', big), big, 'task'),
             (_request('POST', '/echo', b'cont', 'Expect: 100-continue\r\n'), b'cont', 'task'),
             (_request('POST', '/pooled', b'pool'), b'pool', 'pool'),
             (_request('POST', '/echo', b'again'), b'again', 'inline'),  # its URL read once, then known
             (_request('POST', '/echo?correlation_id=c1', b'query'), b'query', 'inline')]
    for raw, body, where in cases:
        replies.sock.sendall(raw)
        status, headers, reply = replies.read()
        if status == 100:
            status, headers, reply = replies.read()
        assert (status, reply, routes.seen[-1]) == (200, b'echo:' + body, where)
        assert headers['content-type'] == 'text/plain' and headers['cache-control'].startswith('no-cache')
        assert 'date' in headers
    replies.sock.sendall(_request('POST', '/echo', b'old', version='1.0'))
    assert replies.read()[2] == b'echo:old' and routes.seen[-1] == 'task' and replies.closed()


def test_pipelined_requests_are_answered_in_order_whichever_way_each_goes(endpoint):
    connect, routes = endpoint
    replies = connect()
    replies.sock.sendall(_request('POST', '/echo', b'one') + _chunked('/echo', b'two') +
                         _request('POST', '/echo', b'three') + _request('POST', '/pooled', b'four') +
                         _request('POST', '/echo', b'five'))
    assert [replies.read()[2] for _ in range(5)] == [b'echo:one', b'echo:two', b'echo:three', b'echo:four',
                                                     b'echo:five']
    assert routes.seen[0] == 'inline' and routes.seen[1] == 'task' and routes.seen[3] == 'pool'


def test_reply_headers_are_written_inline_and_connection_close_is_honoured(endpoint):
    connect, _ = endpoint
    replies = connect()
    replies.sock.sendall(_request('GET', '/headers'))
    status, headers, _ = replies.read()
    assert status == 200 and headers['x-thing'] == 'yes'
    replies.sock.sendall(_request('GET', '/closing'))
    status, headers, body = replies.read()
    assert (status, headers['connection'], body) == (200, 'close', b'{}') and replies.closed()


def test_a_header_that_would_split_the_reply_becomes_an_error_description(endpoint):
    connect, _ = endpoint
    replies = connect()
    replies.sock.sendall(_request('GET', '/bad_header'))
    status, headers, body = replies.read()
    assert status == 500 and b'"code":"INTERNAL"' in body and 'x-bad' not in headers
    replies.sock.sendall(_request('POST', '/echo', b'next'))  # the connection still serves
    assert replies.read()[2] == b'echo:next'


def test_a_waiting_request_holds_no_head_timer(endpoint):
    """10,000 long-polls must not wake the loop 10 s later for heads that came long ago."""
    connect, routes = endpoint
    replies = connect()
    replies.sock.sendall(_request('GET', '/wait'))
    deadline = time.monotonic() + 5
    while 'task' not in routes.seen and time.monotonic() < deadline:
        time.sleep(0.01)
    connections = list(routes.endpoint._server.server_state.connections)
    assert routes.seen == ['task'] and len(connections) == 1 and connections[0]._head_timer is None
    assert replies.read()[2] == b'waited'
    replies.sock.sendall(b'GET /wait HTTP/1.1\r\nHost: 127.0.0.1\r\n')  # a head begun arms it again
    deadline = time.monotonic() + 5
    while connections[0]._head_timer is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert connections[0]._head_timer is not None
