"""The ASGI application behind HttpEndpoint: route lookup, bounded body read, the request context,
interceptors, the handler (awaited, inline or in the blocking pool) and one encoded reply; and the same
as one synchronous call (``serve_inline``) for the requests the server answers from its parser (a file
store's reply deferred until the fsync covering its writes: DeferredReply)."""
import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Tuple

from pip_services3_commons.errors import ApplicationException
from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE

from service_background.common.concurrency import blocking
from service_background.common.http.cycle import ON_DISCONNECT, PLAIN, WHOLE_RESPONSE
from service_background.common.http.errors import (
    OUTAGE_STATUSES,
    describe,
    description_response,
    parse_json_body,
    status_error,
)
from service_background.common.http.request import HttpRequest, reset_current_request, set_current_request
from service_background.common.http.response import HttpResponse
from service_background.common.http.router import Router
from service_background.common.persistence import journal_sync
from service_background.common.persistence.journal_sync import DURABLE_INLINE
from service_background.common.security.rate_limited_log import RateLimitedLog

_NO_CACHE = (b'cache-control', b'no-cache, no-store, must-revalidate')
_CONTENT_TYPES = {'application/json': b'application/json'}  # the few a service sends, encoded once
_NO_EXTENSIONS: dict = {}
_FRAMING = (b'content-length', b'transfer-encoding')  # the endpoint's own: a reply is always whole
_BARE_HEAD = b'%s: %s\r\ncontent-length: %%s\r\n' % _NO_CACHE
_TYPED_HEAD = _BARE_HEAD + b'content-type: %s\r\n'


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


class AsgiApp:

    def __init__(self, router: Router, interceptors: List[Tuple[str, Callable]], logger, max_body: int,
                 executor: Optional[ThreadPoolExecutor] = None, observers: Optional[List[Callable]] = None,
                 authorizer=None):
        self._router = router
        self._authorizer = authorizer  # a TokenAuthorizer with tokens, or None: no checks
        self._observers = observers if observers is not None else []
        self._executor = executor
        self._interceptors = interceptors
        self._logger = logger
        self._max_body = max_body
        self._refusals = RateLimitedLog()  # 5xx outages: one WARN line per cause a minute, with a count

    @property
    def max_body(self) -> int:
        return self._max_body

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            return
        if self._observers:
            started = time.perf_counter()
            status = await self._serve(scope, receive, send)
            self._observe(scope['method'], scope.get('route_template', ''), status, started)
            return
        await self._serve(scope, receive, send)

    def _observe(self, method: str, route: str, status: int, started: float):
        elapsed = time.perf_counter() - started
        for observer in self._observers:
            observer(method, route, status, elapsed)

    async def _serve(self, scope, receive, send) -> int:
        """Serves one request; returns the status sent (0 when the client went away)."""
        method = scope['method']
        path = scope['path']
        route, params, known = self._router.match(method, path)
        headers = dict(scope['headers'])  # by name, in C (ASGI names are lower case; the last of a repeat wins)
        token = None
        if self._authorizer is not None and (route is None or not route.handler.access.public):
            # before the route is known to exist and before the body is read: unknown routes are 401 too
            token, failure = self._authorizer.authenticate(_token_headers(headers), scope.get('client'))
            if failure is not None:
                await self._send(send, failure)
                return failure.status
        if route is None:
            response = status_error(405, 'METHOD_NOT_ALLOWED', f'Method {method} is not allowed on {path}',
                                    {'Allow': ', '.join(self._router.allowed(path))}) \
                if known else status_error(404, 'NOT_FOUND', f'No route {method} {path}')
            await self._send(send, response)
            return response.status
        scope['route_template'] = route.path
        length = _content_length(headers)
        try:
            if length is not None and length > self._max_body:
                raise _TooLarge()  # refused before a byte of the body is read
            body = await self._read_body(receive) if length != 0 else b''
        except _TooLarge:
            await self._send(send, status_error(413, 'TOO_LARGE', f'Request body exceeds {self._max_body} bytes',
                                                {'connection': 'close'}))
            return 413
        except _Disconnected:
            return 0
        handler = route.handler
        if token is not None:
            failure = self._authorizer.authorize(token, method, handler.access, params, body)
            if failure is not None:
                await self._send(send, failure)
                return failure.status
        request = HttpRequest(method, path, scope.get('query_string', b''), scope['headers'], body, params,
                              scope.get('client'), headers)
        set_current_request(request)  # the task's own context: gone with it
        extensions = scope.get('extensions', _NO_EXTENSIONS)
        if handler.is_async:
            # a long-poll whose client hung up is cancelled, so it takes no job for nobody
            on_disconnect = extensions.get(ON_DISCONNECT)
            if on_disconnect is None:
                response = await self._unless_disconnected(self._handle(handler, request, params), receive)
            elif not on_disconnect(asyncio.current_task()):
                response = None  # gone already
            else:
                try:
                    response = await self._handle(handler, request, params)
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if not on_disconnect(None) or task.cancelling() > 1:
                        raise  # not (only) the hang-up: the server is stopping
                    task.uncancel()
                    response = None
                finally:
                    on_disconnect(None)
            if response is None:
                return 0
        elif handler.blocking or self._interceptors:
            response = await self._handle(handler, request, params)
        else:
            response = self._handle_inline(handler, request, params)  # memory stores: no coroutine, no pool
        await self._send(send, response, extensions.get(WHOLE_RESPONSE))
        return response.status

    def inline_route(self, method: str, path: str) -> Optional[tuple]:
        """(route, path values) of a request the server may serve inline, from its parser's callback with
        the whole body in hand (http_protocol.py): a synchronous handler that never blocks, and no
        interceptors. None: the request goes the ASGI way."""
        if self._interceptors:
            return None
        route, params, _ = self._router.match(method, path)
        if route is None or route.handler.is_async or (route.handler.blocking and route.handler.blocking
                                                        is not DURABLE_INLINE):
            return None
        return route, params

    def serve_inline(self, method: str, path: str, query: bytes, raw_headers: list, headers: dict, body: bytes,
                     client: Optional[tuple], route, params: dict):
        """What ``_serve`` does for a route from ``inline_route``, as one call: the reply to write, or a
        DeferredReply when it must wait for the fsync covering the call's journal writes (file stores)."""
        started = time.perf_counter() if self._observers else 0.0
        handler = route.handler
        response = None
        if self._authorizer is not None and not handler.access.public:
            token, response = self._authorizer.authenticate(_token_headers(headers), client)
            if response is None:
                response = self._authorizer.authorize(token, method, handler.access, params, body)
        if response is None:
            request = HttpRequest(method, path, query, raw_headers, body, params, client, headers)
            context = set_current_request(request)
            try:
                if handler.blocking is DURABLE_INLINE:
                    debts, tracking = journal_sync.track()
                    try:
                        response = self._handle_inline(handler, request, params)
                    finally:
                        journal_sync.untrack(tracking)
                    if debts:  # a failed call waits too: it may have written before it failed
                        try:
                            waiting = journal_sync.settled(debts)
                        except Exception as ex:
                            waiting, response = None, self._failed(request, ex)
                        if waiting is not None:
                            return DeferredReply(waiting, self._after_fsync, request, response, route.path,
                                                 started)
                else:
                    response = self._handle_inline(handler, request, params)
            finally:
                reset_current_request(context)  # no task of its own: later tasks must not inherit it
        if self._observers:
            self._observe(method, route.path, response.status, started)
        return response

    def _after_fsync(self, error: Optional[BaseException], request: HttpRequest, response: HttpResponse, route: str,
                     started: float) -> HttpResponse:
        """The reply of a DeferredReply whose fsync ended (``error``: it failed, the call's writes are gone)."""
        if error is not None:
            response = self._failed(request, error)
        if self._observers:
            self._observe(request.method, route, response.status, started)
        return response

    @staticmethod
    async def _unless_disconnected(call, receive) -> Optional[HttpResponse]:
        """``call`` in a task of its own, cancelled when ``receive`` says the client hung up (servers
        without our protocol's hang-up callback)."""
        async def disconnected():
            while (await receive())['type'] != 'http.disconnect':
                pass
        task = asyncio.ensure_future(call)
        watch = asyncio.ensure_future(disconnected())
        try:
            await asyncio.wait((task, watch), return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not task.done():
                task.cancel()
            watch.cancel()
        return task.result() if task.done() and not task.cancelled() else None

    async def _read_body(self, receive) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message['type'] == 'http.disconnect':
                raise _Disconnected()
            chunk = message.get('body', b'')
            if not chunks and not message.get('more_body', False):
                if len(chunk) > self._max_body:
                    raise _TooLarge()
                return chunk  # the usual case: the whole body in one message
            if chunk:
                size += len(chunk)
                if size > self._max_body:
                    raise _TooLarge()
                chunks.append(chunk)
            if not message.get('more_body', False):
                break
        return b''.join(chunks)

    async def _handle(self, handler, request: HttpRequest, params: dict) -> HttpResponse:
        try:
            for prefix, action in self._interceptors:
                if request.path.startswith(prefix):
                    result = action()
                    if asyncio.iscoroutine(result):
                        result = await result
                    if result is not None:
                        return self._to_response(result)
            if handler.schema is not None:
                self._validate(handler.schema, request)
            if handler.is_async:
                result = await handler.function(**params)
            else:
                result = await blocking.run_sync(handler.blocking, _call, handler.function, params,
                                                executor=self._executor)
            return self._to_response(result)
        except Exception as ex:
            return self._failed(request, ex)

    def _handle_inline(self, handler, request: HttpRequest, params: dict) -> HttpResponse:
        """``_handle`` of a synchronous handler that never blocks, with no interceptors to run."""
        try:
            if handler.schema is not None:
                self._validate(handler.schema, request)
            result = handler.function(**params)
            if result.__class__ is HttpResponse:
                return result
            return self._to_response(result)
        except Exception as ex:
            return self._failed(request, ex)

    def _failed(self, request: HttpRequest, ex: Exception) -> HttpResponse:
        description = describe(ex)
        status = description.status or 500
        if status in OUTAGE_STATUSES:
            # an outage refuses every write alike: one WARN line per cause a minute, no trace each
            self._refusals.warn(lambda line: self._logger.warn(request.correlation_id, line), description.code,
                          f'{request.method} {request.path} refused: {description.message}')
        elif not isinstance(ex, ApplicationException) or status >= 500:
            self._logger.error(request.correlation_id, ex, f'{request.method} {request.path} failed')
        return description_response(description)

    @staticmethod
    def _validate(schema, request: HttpRequest):
        params = {name: values[0] for name, values in request.query_lists.items()}
        params.update(request.params)
        params['body'] = parse_json_body(request.body, required_object=False)
        schema.validate_and_throw_exception(params.get('correlation_id'), params, False)

    @staticmethod
    def _to_response(result: Any) -> HttpResponse:
        if isinstance(result, HttpResponse):
            return result
        if result is None:
            return HttpResponse(204, b'', None)
        if isinstance(result, str):
            result = result.encode('utf-8')
        return HttpResponse(200, result, 'application/json')

    @staticmethod
    async def _send(send, response: HttpResponse, whole: Optional[Callable] = None):
        """``whole``: the server's write_whole extension (http_cycle.py), tried for a reply whose head
        ``response_head`` could write; anything else, or a server without it, gets the two ASGI messages."""
        head = response_head(response)
        if head is not None and whole is not None and not head[1] and whole(response.status, head[0], response.body):
            return
        headers = [_NO_CACHE, (b'content-length', b'%d' % len(response.body))]
        if response.content_type:
            headers.append((b'content-type', response.content_type.encode('latin-1')))
        if response.headers:
            headers.extend((k.lower().encode('latin-1'), str(v).encode('latin-1'))
                           for k, v in response.headers.items())
        start = {'type': 'http.response.start', 'status': response.status, 'headers': headers}
        if head is not None and not head[1]:  # also as wire text: the server may skip its walk over them
            start[PLAIN] = head[0]
        await send(start)
        await send({'type': 'http.response.body', 'body': response.body})


class DeferredReply:
    """An inline request's reply that waits for the fsync covering its writes: ``waiting`` is the future
    to wait on, ``response()`` the reply once it is done (a 503 ErrorDescription when the fsync failed)."""
    __slots__ = ('waiting', '_finish', '_args')

    def __init__(self, waiting: asyncio.Future, finish: Callable, *args: Any):
        self.waiting, self._finish, self._args = waiting, finish, args

    def response(self) -> HttpResponse:
        return self._finish(self.waiting.exception(), *self._args)


def response_head(response: HttpResponse) -> Optional[Tuple[bytes, bool]]:
    """(the reply's header lines as wire text, whether they close the connection); None when a header is
    one uvicorn would refuse or handle itself (framing): then the reply goes the ASGI way."""
    content_type, length = response.content_type, b'%d' % len(response.body)
    if content_type:
        encoded = _CONTENT_TYPES.get(content_type)
        if encoded is None:
            encoded = _header_value(content_type)  # a Lua function names its own
            if encoded is None:
                return None
            if len(_CONTENT_TYPES) < 64:
                _CONTENT_TYPES[content_type] = encoded
        text = _TYPED_HEAD % (length, encoded)
    else:
        text = _BARE_HEAD % length
    close = False
    if response.headers:
        lines = [text]
        for name, value in response.headers.items():
            name, value = name.lower().encode('latin-1', 'replace'), _header_value(value)
            if value is None or HEADER_RE.search(name) or name in _FRAMING:
                return None
            if name == b'connection' and b'close' in [token.strip() for token in value.lower().split(b',')]:
                close = True
            lines.append(b'%s: %s\r\n' % (name, value))
        text = b''.join(lines)
    return text, close


def _header_value(value) -> Optional[bytes]:
    try:
        encoded = str(value).encode('latin-1')
    except UnicodeEncodeError:
        return None
    return None if HEADER_VALUE_RE.search(encoded) else encoded


def _content_length(headers: dict) -> Optional[int]:
    """The body's announced length; None when unknown (chunked): then the reads bound it."""
    length = headers.get(b'content-length')
    if length is None:
        return None
    try:
        return int(length)
    except ValueError:
        return None


def _token_headers(headers: dict) -> dict:
    """The two headers a token may come in."""
    return {name.decode('latin-1'): headers[name].decode('latin-1')
            for name in (b'authorization', b'cookie') if name in headers}


def _call(function: Callable, params: dict) -> Any:
    return function(**params)
