"""uvicorn's httptools protocol with the two limits it lacks: a request's head must arrive within
``header_timeout`` seconds (slowloris: one header byte a second) and fit in ``max_header_bytes``.
A connection that breaks either is answered 408 / 431 and closed; it never held a thread.
Its requests run in ``OneWriteCycle`` (http_cycle.py): one write per response.

Inline requests: a keep-alive HTTP/1.1 request with a small announced body, nothing else in flight on its
connection, whose route the app (AsgiApp.inline_route) serves with a synchronous handler that never
blocks, is served from the parser's callbacks once its body is in: the app's ``serve_inline`` answers and
the reply is written at once. No cycle, task, event or ASGI message: the per-request machinery cost more
than a memory store's work. A file store's call runs there too; its reply (a DeferredReply) is written
when the fsync covering its writes ends, and until then a PendingReply stands as the connection's cycle:
requests behind it queue as pipelined ones do and are answered after it, in order. Everything else
(long-polls, the blocking pool, chunked or large bodies, HEAD, Expect, pipelined requests behind an
unfinished one) goes the ASGI way unchanged.

Malformed requests (bytes the parser refuses, bad framing, a head over the limit whatever the read size,
an upgrade to WebSocket or h2c) are answered by this protocol, never uvicorn's text/plain: a JSON
ErrorDescription 4xx with ``connection: close``, and one WARN line per cause a minute.

Every reply that ends the connection (these refusals, the app's 413, any ``connection: close``) closes it
through ``close_after_reply``: a lingering close (http_linger.py), so a client still sending its body reads
the reply instead of a reset."""
import urllib.parse
from typing import Optional

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from service_background.common.http.app import DeferredReply, response_head
from service_background.common.http.cycle import (
    ON_DISCONNECT,
    WHOLE_RESPONSE,
    OneWriteCycle,
    PendingReply,
    whole_response,
)
from service_background.common.http.errors import status_error
from service_background.common.http.linger import Lingering, LingerPolicy
from service_background.common.security.rate_limited_log import REFUSALS

INLINE_MAX_BODY = 64 * 1024  # uvicorn's read buffer high-water mark: no flow control needed below it
_CLOSE = {'connection': 'close'}


class _Refused(Exception):
    """Raised from a parser callback: the request is answered ``status`` and the connection closed."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _refusal_of(error: httptools.HttpParserError) -> _Refused:
    """What a parser error is answered: our own refusal raised in a callback, else a 400 naming the fault."""
    cause = error.__context__ if isinstance(error, httptools.HttpParserCallbackError) else error
    if isinstance(cause, _Refused):
        return cause
    return _Refused(400, 'BAD_REQUEST', f'Malformed HTTP request: {str(cause or error)[:200]}')


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout = 10.0
    max_header_bytes = 64 * 1024
    _targets: dict = {}  # (method, url) -> _target(): one per endpoint (limited_protocol)
    linger_policy = LingerPolicy()  # one per endpoint (limited_protocol)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        app = self.app  # an app uvicorn wrapped (trusted proxy headers) or one without the hook: no inline
        self._inline_app = app if hasattr(app, 'serve_inline') and not self.access_log and not self.root_path \
            and self.limit_concurrency is None else None
        self._inline: Optional[tuple] = None
        self._inline_body = b''
        self._close_after_inline = False
        self._inline_limit = min(INLINE_MAX_BODY, app.max_body) if self._inline_app is not None else 0
        self._head_bytes = 0  # bytes read while a head is pending (a head dripped across reads)
        self._refusal: Optional[bytes] = None  # a refusal waiting for the reply in progress
        self._head_size = 0  # the target and header lines the parser handed over (a head in one read)
        self._head_pending = True
        self._head_started = self.loop.time()
        self._head_timer: Optional[object] = self.loop.call_later(self.header_timeout, self._head_check)
        self._lingering: Optional[Lingering] = None  # set once the connection's last reply is written
        self._stopping = False

    def connection_lost(self, exc) -> None:
        self._cancel_head_timer()
        if self._lingering is not None:
            self._lingering.end()
        super().connection_lost(exc)
        if type(self.cycle) is OneWriteCycle:
            self.cycle.hang_up()

    def _cancel_head_timer(self):
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _reject(self, status: int, code: str, message: str):
        """Answers an ErrorDescription and closes the connection, after the reply to an earlier request."""
        self._cancel_head_timer()
        if self.transport.is_closing() or self._lingering is not None:
            return
        REFUSALS.warn(self.logger.warning, code, f'HTTP request refused with {status}: {message}')
        response = status_error(status, code, message, _CLOSE)
        text, _ = response_head(response)
        self._refusal = whole_response(status, self.server_state.default_headers, text, response.body)
        cycle = self.cycle
        if cycle is None or cycle.response_complete or cycle.more_body:
            self._write_refusal()  # the refused request is the one in progress (its task sees the hang-up)
        # else the request in progress came whole before the bad one: HTTP/1.1 answers in order, so the
        # refusal follows its reply (on_response_complete)

    def _write_refusal(self):
        refusal, self._refusal = self._refusal, None
        if refusal is not None and not self.transport.is_closing() and self._lingering is None:
            self.transport.write(refusal)
            self.close_after_reply()

    def close_after_reply(self) -> None:
        """Closes the connection after the reply just written, lingering (http_linger.py) unless the server
        is stopping: nothing more is parsed or answered on it, and a request in progress sees the hang-up."""
        transport = self.transport
        if transport.is_closing() or self._lingering is not None:
            return
        self._cancel_head_timer()
        self._unset_keepalive_if_required()
        if self._stopping:
            transport.close()
            return
        self._lingering = self.linger_policy.start(transport, self.loop)
        if self._lingering is not None and type(self.cycle) is OneWriteCycle:
            self.cycle.abandon()

    def on_response_complete(self) -> None:
        if self._lingering is not None:
            self.server_state.total_requests += 1  # uvicorn's count; nothing more runs on this connection
            return
        super().on_response_complete()
        if self._refusal is not None and not self.pipeline:
            self.loop.call_soon(self._write_refusal)  # after the reply's own write (a gathered one ends later)

    def _too_large(self):
        self._reject(431, 'HEADERS_TOO_LARGE', f'The request head is over {self.max_header_bytes} bytes')

    def _head_check(self):
        """The head timer, armed at most once per header_timeout on a connection (not once per request):
        a head pending since before the deadline is refused, a later one re-arms for what it has left,
        and none leaves it unarmed until the next request begins (an idle connection costs nothing)."""
        self._head_timer = None
        if not self._head_pending:
            return
        left = self._head_started + self.header_timeout - self.loop.time()
        if left <= 0:
            self._reject(408, 'REQUEST_TIMEOUT', 'The request head did not arrive in time')
        else:
            self._head_timer = self.loop.call_later(left, self._head_check)

    def data_received(self, data: bytes) -> None:
        """uvicorn's, with its parser errors answered by us (``_refusal_of``) instead of its text/plain 400;
        after the last reply, what arrives is counted and dropped (the lingering close)."""
        if self._lingering is not None:
            self._lingering.discard(len(data))
            return
        if self.transport.is_closing():
            return
        if self._head_pending:
            self._head_bytes += len(data)
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # on_headers_complete refuses upgrades first: a safety net
            self._reject(400, 'UPGRADE_NOT_SUPPORTED', 'Protocol upgrades are not supported')
            return
        except httptools.HttpParserError as error:
            refusal = _refusal_of(error)
            self._reject(refusal.status, refusal.code, refusal.message)
            return
        if self._head_pending and self._head_bytes > self.max_header_bytes:
            self._too_large()

    def on_url(self, url: bytes) -> None:
        self.url += url
        self._grow_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._grow_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _grow_head(self, size: int):
        self._head_size += size
        if self._head_size > self.max_header_bytes:
            raise _Refused(431, 'HEADERS_TOO_LARGE', f'The request head is over {self.max_header_bytes} bytes')

    def on_message_begin(self) -> None:
        self._head_size = 0
        self.url = b''
        self.expect_100_continue = False
        self.headers = []
        self.scope = None  # uvicorn's, made in on_headers_complete for a request that goes the ASGI way
        self._head_pending = True
        self._head_started = self.loop.time()
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_check)

    def on_headers_complete(self) -> None:
        if self.parser.should_upgrade():
            raise _Refused(400, 'UPGRADE_NOT_SUPPORTED',
                           'Protocol upgrades (WebSocket, h2c) and CONNECT are not supported: HTTP/1.1 only')
        self._head_pending = False
        self._head_bytes = 0
        if self._inline_app is not None:
            self._inline = self._inline_request()
            if self._inline is not None:
                return  # answered within moments: its timer may stay (it finds no head pending)
        # a task may wait long (a long-poll): its head timer would fire for nothing, 10k waiters at once
        self._cancel_head_timer()
        headers, url, expect = self.headers, self.url, self.expect_100_continue
        HttpToolsProtocol.on_message_begin(self)
        self.headers.extend(headers)
        self.url, self.expect_100_continue = url, expect
        super().on_headers_complete()
        cycle = self.cycle
        if type(cycle) is RequestResponseCycle:
            # uvicorn builds the cycle inline (no factory to override); its task has not run yet
            cycle.__class__ = OneWriteCycle
            cycle.close_with(self.close_after_reply)
            cycle.scope['extensions'] = {WHOLE_RESPONSE: cycle.write_whole, ON_DISCONNECT: cycle.on_disconnect}

    # --- inline requests --------------------------------------------------------------------------------
    def _inline_request(self) -> Optional[tuple]:
        parser, cycle = self.parser, self.cycle
        if self.expect_100_continue or self.pipeline or (cycle is not None and not cycle.response_complete) \
                or self.flow.write_paused or parser.should_upgrade() or parser.get_http_version() != '1.1' \
                or not parser.should_keep_alive():
            return None
        method = parser.get_method()
        if method == b'HEAD':
            return None
        headers = dict(self.headers)
        length = headers.get(b'content-length')
        if length is None:
            if b'transfer-encoding' in headers:
                return None
        elif not length.isdigit() or int(length) > self._inline_limit:
            return None
        key = (method, self.url)
        target = self._targets.get(key)
        if target is None:
            target = self._target(method)
            if target is None:
                return None
            # a static route's URL without a query is read once per endpoint (the routes are fixed when open)
            if not target[3][1] and b'?' not in self.url and len(self._targets) < 1024:
                self._targets[key] = target
        return target, headers  # the body gathers in _inline_body, left empty by the last request

    def _target(self, method: bytes) -> Optional[tuple]:
        """(method, path, query, (route, path values)) of an inline request; None: the ASGI way."""
        url = httptools.parse_url(self.url)
        try:
            path = url.path.decode('ascii')
        except UnicodeDecodeError:
            return None  # uvicorn's own answer to it
        if '%' in path:
            path = urllib.parse.unquote(path)
        method = method.decode('ascii')
        found = self._inline_app.inline_route(method, path)
        if found is None:
            return None
        return method, path, url.query or b'', found

    def on_body(self, body: bytes) -> None:
        if self._inline is not None:
            self._inline_body += body  # within the announced length, which is small
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        inline = self._inline
        if inline is None:
            return super().on_message_complete()
        self._inline = None
        body, self._inline_body = self._inline_body, b''
        (method, path, query, (route, params)), headers = inline
        try:
            response = self._inline_app.serve_inline(method, path, query, self.headers, headers, body, self.client,
                                                     route, params or {})  # a cached target's {} stays unshared
        except Exception:  # the app's own failure (handlers' are ErrorDescriptions already): uvicorn's 500
            self.logger.exception('%s %s failed', method, path)
            response = status_error(500, 'INTERNAL', 'The server failed to answer')
        if response.__class__ is DeferredReply:
            # its reply waits for the fsync covering its writes; what comes behind it waits for the reply
            pending = self.cycle = PendingReply(response)
            response.waiting.add_done_callback(lambda _: self._write_pending(pending, method, path))
            return
        self._write_inline(response, method, path, self._close_after_inline)

    def _write_pending(self, pending: PendingReply, method: str, path: str):
        """The fsync a pending reply waited for ended: its reply is written, then what queued behind it."""
        try:
            response = pending.deferred.response()
        except Exception:
            self.logger.exception('%s %s failed', method, path)
            response = status_error(500, 'INTERNAL', 'The server failed to answer')
        pending.response_complete = True
        if pending.disconnected:
            return  # the client went away meanwhile: nobody to answer
        self._write_inline(response, method, path, self._close_after_inline or not pending.keep_alive)

    def _write_inline(self, response, method: str, path: str, close_after: bool):
        head = response_head(response)
        if head is None:
            self.logger.error('%s %s failed: the reply has a header uvicorn would refuse', method, path)
            response = status_error(500, 'INTERNAL', 'The server failed to answer')
            head = response_head(response)
        text, close = head
        if self.transport.is_closing():
            return
        self.transport.write(whole_response(response.status, self.server_state.default_headers, text,
                                            response.body))
        if close or close_after:
            self.close_after_reply()
        self.on_response_complete()

    def shutdown(self) -> None:
        self._stopping = True  # no lingering while the server waits for its connections to end
        if self._lingering is not None:
            self._lingering.abort()
            return
        if self._inline is not None:
            self._close_after_inline = True  # its body is on the way: answer it, then close
            return
        super().shutdown()


def limited_protocol(header_timeout: float, max_header_bytes: int, linger: Optional[LingerPolicy] = None) -> type:
    """The protocol class with this endpoint's limits (uvicorn instantiates it per connection)."""
    return type('EndpointHttpProtocol', (LimitedHttpToolsProtocol,),
                {'header_timeout': float(header_timeout), 'max_header_bytes': int(max_header_bytes), '_targets': {},
                 'linger_policy': linger if linger is not None else LingerPolicy()})
