"""uvicorn's httptools protocol with the two limits it lacks: a request's head must arrive within
``header_timeout`` seconds (slowloris: one header byte a second) and fit in ``max_header_bytes``.
A connection that breaks either is answered 408 / 431 and closed; it never held a thread.
Its requests run in ``OneWriteCycle`` (http_cycle.py): one write per response."""
from typing import Optional

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from .http_cycle import WHOLE_RESPONSE, OneWriteCycle


def _plain_response(status: str, message: str) -> bytes:
    body = ('{"code":"%s","message":"%s","status":%s}' % (
        'REQUEST_TIMEOUT' if status.startswith('408') else 'HEADERS_TOO_LARGE', message, status[:3])).encode()
    return (f'HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n'
            f'connection: close\r\n\r\n').encode() + body


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout = 10.0
    max_header_bytes = 64 * 1024

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_pending = True
        self._head_started = self.loop.time()
        self._head_timer: Optional[object] = self.loop.call_later(self.header_timeout, self._head_check)

    def connection_lost(self, exc) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _cancel_head_timer(self):
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _reject(self, status: str, message: str):
        self._cancel_head_timer()
        if not self.transport.is_closing():
            self.transport.write(_plain_response(status, message))
            self.transport.close()

    def _head_check(self):
        """The head timer, armed at most once per header_timeout on a connection (not once per request):
        a head pending since before the deadline is refused, a later one re-arms for what it has left,
        and none leaves it unarmed until the next request begins (an idle connection costs nothing)."""
        self._head_timer = None
        if not self._head_pending:
            return
        left = self._head_started + self.header_timeout - self.loop.time()
        if left <= 0:
            self._reject('408 Request Timeout', 'The request head did not arrive in time')
        else:
            self._head_timer = self.loop.call_later(left, self._head_check)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if self._head_pending:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._head_pending and self._head_bytes > self.max_header_bytes:
            self._reject('431 Request Header Fields Too Large', 'The request head is too large')

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_pending = True
        self._head_started = self.loop.time()
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_check)

    def on_headers_complete(self) -> None:
        self._head_pending = False
        self._head_bytes = 0
        super().on_headers_complete()
        cycle = self.cycle
        if type(cycle) is RequestResponseCycle:
            # uvicorn builds the cycle inline (no factory to override); its task has not run yet
            cycle.__class__ = OneWriteCycle
            cycle.scope['extensions'] = {WHOLE_RESPONSE: cycle.write_whole}


def limited_protocol(header_timeout: float, max_header_bytes: int) -> type:
    """The protocol class with this endpoint's limits (uvicorn instantiates it per connection)."""
    return type('EndpointHttpProtocol', (LimitedHttpToolsProtocol,),
                {'header_timeout': float(header_timeout), 'max_header_bytes': int(max_header_bytes)})
