"""A small asyncio HTTP/1.1 client (httptools parses the replies): a LIFO pool of keep-alive
connections, one request in flight per connection, a whole-request timeout; used by the async clients."""
import asyncio
import socket
import ssl
from collections import deque
from typing import Dict, List, Optional
from urllib.parse import urlsplit

import httptools


class LeanResponse:
    """A reply: ``status_code``, ``content`` (bytes) and ``headers`` (lower-case names)."""
    __slots__ = ('status_code', 'content', 'headers')

    def __init__(self, status_code: int, content: bytes, headers: Dict[str, str]):
        self.status_code = status_code
        self.content = content
        self.headers = headers

    @property
    def text(self) -> str:
        return self.content.decode('utf-8', 'replace')

    def json(self):
        from service_background.common.data.json_util import decode_json
        return decode_json(self.content) if self.content else None


class ConnectionClosed(ConnectionError):
    """The server closed the connection; ``before_reply`` when no byte of a reply had come."""

    def __init__(self, message: str, before_reply: bool):
        super().__init__(message)
        self.before_reply = before_reply


class _Connection(asyncio.Protocol):
    """One keep-alive connection; it parses the reply to the one request in flight."""

    def __init__(self):
        self.transport: Optional[asyncio.Transport] = None
        self.closed = False
        self.used = False  # served a request before: its server may have closed it meanwhile
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: Optional[asyncio.Future] = None
        self._body: List[bytes] = []
        self._headers: Dict[str, str] = {}
        self._got_bytes = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # --- asyncio.Protocol -------------------------------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        self._loop = asyncio.get_running_loop()
        sock = transport.get_extra_info('socket')
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes):
        self._got_bytes = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionError('unexpected protocol upgrade'))
        except httptools.HttpParserError as ex:
            self._fail(ConnectionError(f'malformed reply: {ex}'))

    def eof_received(self):
        return False  # close our side too

    def connection_lost(self, exc):
        self.closed = True
        self._fail(ConnectionClosed(f'the server closed the connection ({exc or "EOF"})', not self._got_bytes))

    # --- httptools callbacks ----------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes):
        self._headers[name.decode('latin-1').lower()] = value.decode('latin-1')

    def on_body(self, body: bytes):
        self._body.append(body)

    def on_message_complete(self):
        waiter, self._waiter = self._waiter, None
        body = b''.join(self._body)
        response = LeanResponse(self._parser.get_status_code(), body, self._headers)
        if not self._parser.should_keep_alive():
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result(response)

    # --- use --------------------------------------------------------------------------------------
    def send(self, data: bytes, deadline: Optional[float] = None) -> asyncio.Future:
        """The reply's future; past ``deadline`` (the loop's time) it fails with TimeoutError and the
        connection is aborted. A timer on the loop costs less than asyncio.timeout's task bookkeeping."""
        loop = self._loop
        waiter = self._waiter = loop.create_future()
        self._body, self._headers, self._got_bytes = [], {}, False
        self.transport.write(data)
        if deadline is not None:
            timer = loop.call_at(deadline, self._time_out, waiter)
            waiter.add_done_callback(lambda _, timer=timer: timer.cancel())
        return waiter

    def _time_out(self, waiter: asyncio.Future):
        if self._waiter is waiter:
            self._fail(TimeoutError())

    def close(self):
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self):
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, ex: BaseException):
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(ex)
        if not self.closed:
            self.abort()


class LeanHttpClient:
    """HTTP/1.1 to one origin (``http://host:port`` or https): keep-alive connections reused last-in
    first-out (no scan of the pool), up to ``max_connections`` at once, callers beyond that queue.
    A reused connection the server had closed before any reply byte is retried once on a new one
    (the request never reached a live connection). A timeout or a cancellation closes the
    connection of that request (its reply can no longer be matched to anything)."""

    def __init__(self, url: str, headers: Optional[Dict[str, str]] = None, max_connections: int = 100):
        parts = urlsplit(url)
        self._secure = parts.scheme == 'https'
        self._host = parts.hostname or '127.0.0.1'
        self._port = parts.port or (443 if self._secure else 80)
        self._prefix = parts.path.rstrip('/')
        self._ssl = ssl.create_default_context() if self._secure else None
        host = self._host if ':' not in self._host else f'[{self._host}]'
        default_port = (443 if self._secure else 80)
        netloc = host if self._port == default_port else f'{host}:{self._port}'
        fixed = {'Host': netloc, 'User-Agent': 'service-background', 'Accept': '*/*', **(headers or {})}
        self._fixed = ''.join(f'{k}: {v}\r\n' for k, v in fixed.items())
        self._max = max(1, int(max_connections))
        self._idle: List[_Connection] = []
        self._count = 0
        self._waiters: deque = deque()
        self._closed = False

    async def request(self, method: str, target: str, body: Optional[bytes] = None,
                      headers: Optional[Dict[str, str]] = None, timeout: Optional[float] = None) -> LeanResponse:
        """``target``: the path and query; raises TimeoutError past ``timeout`` seconds, ConnectionError
        (or OSError) when the server cannot be reached or closes the connection mid-reply."""
        head = f'{method} {self._prefix}{target} HTTP/1.1\r\n{self._fixed}'
        if headers:
            head += ''.join(f'{k}: {v}\r\n' for k, v in headers.items())
        body = body or b''
        if body or method in ('POST', 'PUT', 'PATCH'):
            head += f'Content-Length: {len(body)}\r\n'
        data = (head + '\r\n').encode('latin-1') + body
        return await self._send(data, None if timeout is None else asyncio.get_running_loop().time() + timeout)

    async def _send(self, data: bytes, deadline: Optional[float]) -> LeanResponse:
        for attempt in (0, 1):
            connection = self._idle_connection()
            if connection is None:  # a connect, or a wait for a free one: bounded by the deadline too
                if deadline is None:
                    connection = await self._acquire()
                else:
                    async with asyncio.timeout_at(deadline):
                        connection = await self._acquire()
            reused = connection.used
            try:
                response = await connection.send(data, deadline)
            except ConnectionClosed as ex:
                self._drop(connection)
                if attempt == 0 and reused and ex.before_reply:
                    continue  # a stale keep-alive connection: the request reached no live server
                raise
            except BaseException:  # timeout, cancellation: the reply can no longer be matched
                connection.abort()
                self._drop(connection)
                raise
            connection.used = True
            self._release(connection)
            return response
        raise AssertionError('unreachable')

    def _idle_connection(self) -> Optional[_Connection]:
        """The last idle connection still open, or None."""
        if self._closed:
            raise ConnectionError('the client is closed')
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not connection.closed:
                return connection
            self._count -= 1
        return None

    async def _acquire(self) -> _Connection:
        connection = self._idle_connection()
        if connection is not None:
            return connection
        if self._count < self._max:
            self._count += 1
            try:
                loop = asyncio.get_running_loop()
                _, connection = await loop.create_connection(_Connection, self._host, self._port, ssl=self._ssl)
            except BaseException:
                self._count -= 1
                self._wake()
                raise
            return connection
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            connection = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(waiter.result())  # handed over just as we were cancelled
            raise
        if connection is None:  # a slot freed up: connect
            return await self._acquire()
        return connection

    def _release(self, connection: _Connection):
        if connection.closed:
            self._drop(connection)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)

    def _drop(self, connection: _Connection):
        self._count -= 1
        self._wake()

    def _wake(self):
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self):
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
            self._count -= 1
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(ConnectionError('the client is closed'))

