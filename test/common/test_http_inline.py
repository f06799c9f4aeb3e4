"""Inline requests (http_protocol.py): a small keep-alive request to a synchronous, non-blocking route is
answered from the parser's callbacks, no task; everything else goes the ASGI way, and both give the same
replies, in order, over real loopback connections to a real HttpEndpoint. A file store's route is inline
too, its reply written once the fsync covering its write ended (a 503 when it failed)."""
import asyncio
import errno
import json
import logging
import os
import socket
import threading
import time

import pytest
from pip_services3_commons.config import ConfigParams

from service_background.common.http.endpoint import HttpEndpoint
from service_background.common.http.request import current_request
from service_background.common.http.response import HttpResponse, send_json
from service_background.common.persistence.journal_sync import DURABLE_INLINE

from ..helpers import patch_file_syncs
from .test_file_journal import Note, open_notes, texts


def _where() -> str:
    try:
        return 'task' if asyncio.current_task() is not None else 'inline'
    except RuntimeError:
        return 'pool'  # no event loop in this thread: the blocking pool


class _Routes:
    def __init__(self, endpoint: HttpEndpoint, notes=None):
        self.endpoint, self.seen, self.notes = endpoint, [], notes

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
        add('POST', '/note', None, self.note, blocking=DURABLE_INLINE)

    def note(self):
        self.seen.append(_where())
        note = json.loads(current_request().body)
        return send_json(self.notes.create(None, Note(note['id'], note['text'])).to_json())

    async def wait(self):
        self.seen.append(_where())
        await asyncio.sleep(1)
        return HttpResponse(200, b'waited', 'text/plain')

    def echo(self):
        self.seen.append(_where())
        return HttpResponse(200, b'echo:' + current_request().body, 'text/plain')


@pytest.fixture
def endpoint(monkeypatch, tmp_path):
    endpoint = HttpEndpoint()
    endpoint.configure(ConfigParams.from_tuples('connection.protocol', 'http', 'connection.host', '127.0.0.1',
                                                'connection.port', 0, 'options.max_body', 1024 * 1024))
    routes = _Routes(endpoint, open_notes(tmp_path / 'notes.json', compact_min=100000))
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


def _note(key: str) -> bytes:
    return _request('POST', '/note', json.dumps({'id': key, 'text': key}).encode())


def test_a_file_store_request_is_inline_and_its_reply_waits_for_the_covering_fsync(endpoint, monkeypatch, tmp_path):
    connect, routes = endpoint
    real_fsync, started, release = os.fsync, threading.Event(), threading.Event()

    def fsync(fd):
        started.set()
        assert release.wait(10)
        real_fsync(fd)
    patch_file_syncs(monkeypatch, fsync)
    replies = connect()
    replies.sock.sendall(_note('a'))
    assert started.wait(10)
    replies.sock.settimeout(0.3)
    with pytest.raises(socket.timeout):
        replies.sock.recv(1)  # written and applied, not durable: no reply yet
    release.set()
    replies.sock.settimeout(10)
    status, _, body = replies.read()
    assert (status, json.loads(body)['id'], routes.seen) == (200, 'a', ['inline'])
    assert texts(open_notes(tmp_path / 'notes.json')) == {'a': 'a'}  # as a killed process leaves the files


def test_pipelined_requests_behind_a_reply_waiting_for_its_fsync_are_answered_after_it(endpoint):
    connect, routes = endpoint
    replies = connect()
    replies.sock.sendall(_note('a') + _request('POST', '/echo', b'between') + _note('b') +
                         _chunked('/note', b'{"id": "c", "text": "c"}') + _request('POST', '/echo', b'last'))
    answers = [replies.read()[2] for _ in range(5)]
    assert [json.loads(answers[0])['id'], answers[1], json.loads(answers[2])['id'], json.loads(answers[3])['id'],
            answers[4]] == ['a', b'echo:between', 'b', 'c', b'echo:last']
    assert routes.seen[0] == 'inline' and routes.seen[3] == 'task'  # chunked: the ASGI way, durable alike
    assert texts(routes.notes) == {'a': 'a', 'b': 'b', 'c': 'c'}
    replies.sock.sendall(_note('d'))  # the connection serves inline again once nothing is in flight
    assert json.loads(replies.read()[2])['id'] == 'd' and routes.seen[-1] == 'inline'


def test_a_failed_fsync_answers_each_writer_of_its_group_503_and_keeps_none_of_them(endpoint, monkeypatch):
    connect, routes = endpoint
    routes.notes.create(None, Note('kept', 'before'))

    real_fsync = os.fsync

    def fsync(fd):
        raise OSError(errno.EIO, 'I/O error')
    patch_file_syncs(monkeypatch, fsync)
    clients = [connect() for _ in range(8)]
    for number, replies in enumerate(clients):
        replies.sock.sendall(_note(f'n{number}'))
    for replies in clients:
        status, headers, body = replies.read()
        error = json.loads(body)
        assert (status, error['code'], error['status']) == (503, 'STORAGE_UNAVAILABLE', 503)
        assert headers['content-type'] == 'application/json'
    assert texts(routes.notes) == {'kept': 'before'}
    patch_file_syncs(monkeypatch, real_fsync)
    clients[0].sock.sendall(_note('after'))  # the same connection, once the disk is back
    assert clients[0].read()[0] == 200 and texts(routes.notes) == {'kept': 'before', 'after': 'after'}
