"""The async clients' HTTP/1.1 client against a small server on 127.0.0.1: replies, the whole-request timeout
(a reply that never comes, and a wait for a pool slot), and a stale keep-alive connection retried once."""
import asyncio
import time

import pytest

from service_background.common.clients.lean_http_client import LeanHttpClient


class _Server:
    """Answers ``GET /ok`` at once, never answers ``GET /hang``, and closes the connection without a reply
    on the first request after ``GET /close-next``."""

    def __init__(self):
        self.connections = 0
        self.close_next = False

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b'\r\n\r\n')
                path = head.split(b' ')[1]
                if self.close_next:
                    self.close_next = False
                    writer.close()
                    return
                if path == b'/hang':
                    await asyncio.sleep(30)
                    return
                if path == b'/close-next':
                    self.close_next = True
                writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok')
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass


def _run(test):
    async def main():
        server = _Server()
        listener = await asyncio.start_server(server.serve, '127.0.0.1', 0)
        port = listener.sockets[0].getsockname()[1]
        try:
            await asyncio.wait_for(test(server, port), 20)
        finally:
            listener.close()
    asyncio.run(main())


def test_replies_reuse_one_connection():
    async def test(server, port):
        client = LeanHttpClient(f'http://127.0.0.1:{port}')
        for _ in range(5):
            response = await client.request('GET', '/ok', timeout=5)
            assert (response.status_code, response.content, response.headers['content-type']) == \
                (200, b'ok', 'text/plain')
        assert server.connections == 1, 'keep-alive: every request on the one connection'
    _run(test)


def test_a_reply_that_never_comes_times_out_and_the_next_request_works():
    async def test(server, port):
        client = LeanHttpClient(f'http://127.0.0.1:{port}')
        assert (await client.request('GET', '/ok', timeout=5)).status_code == 200
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await client.request('GET', '/hang', timeout=0.3)
        assert 0.25 <= time.monotonic() - started < 3
        response = await client.request('GET', '/ok', timeout=5)
        assert response.content == b'ok'
        assert server.connections == 2, 'the timed-out connection was dropped, a new one made'
    _run(test)


def test_a_wait_for_a_free_connection_is_bounded_by_the_timeout():
    async def test(server, port):
        client = LeanHttpClient(f'http://127.0.0.1:{port}', max_connections=1)
        hung = asyncio.ensure_future(client.request('GET', '/hang', timeout=2))
        await asyncio.sleep(0.1)  # the one connection is in use
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await client.request('GET', '/ok', timeout=0.3)
        assert time.monotonic() - started < 1.5, 'the queued request gave up at its own timeout'
        with pytest.raises(TimeoutError):
            await hung
        assert (await client.request('GET', '/ok', timeout=5)).content == b'ok', 'the slot came back'
    _run(test)


def test_a_keep_alive_connection_the_server_closed_is_retried_once_on_a_new_one():
    async def test(server, port):
        client = LeanHttpClient(f'http://127.0.0.1:{port}')
        assert (await client.request('GET', '/close-next', timeout=5)).status_code == 200
        response = await client.request('GET', '/ok', timeout=5)  # the server closes the reused one unanswered
        assert response.content == b'ok'
        assert server.connections == 2
    _run(test)
