"""The HTTP endpoint every service registers its routes on: pip-services3-rpc's HttpEndpoint contract
(same descriptor kind, register/register_route/register_interceptor) served as ASGI by uvicorn
(httptools + uvloop) on a thread of its own, so open()/close() stay synchronous for the container.

Async handlers are awaited; sync ones run inline when their service says it never blocks (memory
stores) or only waits for an fsync (file stores: the reply waits for it), else in the bounded pool of
``blocking.py``; small requests to the inline ones skip the ASGI machinery altogether (http_protocol.py).
A long-poll is an awaiting task: it costs no thread.
Limits: options.max_body (HTTP_MAX_BODY, 16 MiB) answered 413 before the body is read,
options.max_header_bytes (431), options.header_timeout (408, slow clients), options.keep_alive_timeout;
options.threads sizes the shared blocking pool, or this endpoint's own with options.own_pool.
A reply that ends the connection (413, 431, 408, malformed 400s) is followed by a lingering close
(http_linger.py): what the client still sends is read and dropped, up to options.linger_bytes,
options.linger_seconds in all and options.linger_idle seconds of silence, on at most
options.linger_connections connections at once. Every error is an ErrorDescription."""
import inspect
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Optional

import uvicorn
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConfigException, ConnectionException
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_commons.validate import Schema
from pip_services3_components.log import CompositeLogger
from pip_services3_rpc.connect import HttpConnectionResolver

from service_background.common.concurrency import blocking
from service_background.common.http.app import AsgiApp
from service_background.common.http.linger import LingerPolicy
from service_background.common.http.protocol import limited_protocol
from service_background.common.http.router import Router
from service_background.common.security.token_authorizer import AUTHORIZER_DESCRIPTOR, RouteAccess

LOOPBACK_HOSTS = ('127.0.0.1', '::1', 'localhost')


class HttpEndpoint(IOpenable, IConfigurable, IReferenceable):
    _default_config = ConfigParams.from_tuples(
        'connection.protocol', 'http',
        'connection.host', '0.0.0.0',
        'connection.port', 8080,
        'options.max_body', 16 * 1024 * 1024,
        'options.max_header_bytes', 64 * 1024,
        'options.header_timeout', 10,
        'options.linger_bytes', 64 * 1024 * 1024,
        'options.linger_seconds', 10,
        'options.linger_idle', 2,
        'options.linger_connections', 256,
        'options.keep_alive_timeout', 60,
        'options.backlog', 4096,
        'options.threads', 64,
        'options.own_pool', False,
        'options.shutdown_timeout', 3,
        'options.auth', True,
        'options.trusted_proxies', '')

    def __init__(self):
        self._resolver = HttpConnectionResolver()
        self._logger = CompositeLogger()
        self._registrations: List = []
        self._config = self._default_config
        self._router: Optional[Router] = None
        self._server: Optional[uvicorn.Server] = None
        self._socket: Optional[socket.socket] = None
        self._thread: Optional[threading.Thread] = None
        self._interceptors: List = []
        self._observers: List[Callable] = []
        self._executor: Optional[ThreadPoolExecutor] = None  # None: the process's shared pool
        self._uri = None
        self._authorizer = None  # a TokenAuthorizer; none: no tokens, protected mode

    def configure(self, config: ConfigParams):
        self._config = config.set_defaults(self._default_config)
        self._resolver.configure(self._config)
        if not self._config.get_as_boolean('options.own_pool'):
            blocking.configure_pool(self._config.get_as_integer('options.threads'))

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._resolver.set_references(references)
        self._authorizer = references.get_one_optional(AUTHORIZER_DESCRIPTOR)

    def is_open(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> Optional[int]:
        return self._socket.getsockname()[1] if self._socket is not None else None

    def _bind(self, host: str, port: int) -> socket.socket:
        family = socket.AF_INET6 if ':' in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(self._config.get_as_integer('options.backlog'))
        sock.set_inheritable(True)
        return sock

    def open(self, correlation_id: Optional[str]):
        if self.is_open():
            return
        connection = self._resolver.resolve(correlation_id)
        if connection is None:
            raise ConfigException(correlation_id, 'NO_CONNECTION', 'Connection for HTTP endpoint is not defined')
        host = self._protected_host(correlation_id, connection.get_as_string('host'))
        self._uri = connection.get_as_string('uri')
        try:
            self._socket = self._bind(host, connection.get_as_integer('port'))
        except OSError as ex:
            raise ConnectionException(correlation_id, 'CANNOT_CONNECT', 'Opening HTTP endpoint failed') \
                .wrap(ex).with_details('url', self._uri)

        self._router = Router()
        self._interceptors = []
        for registration in self._registrations:
            registration.register()
        if self._config.get_as_boolean('options.own_pool'):
            self._executor = ThreadPoolExecutor(self._config.get_as_integer('options.threads'),
                                                thread_name_prefix='endpoint-pool')
        authorizer = self._authorizer if self._authorizer is not None and self._authorizer.enabled \
            and self._config.get_as_boolean('options.auth') else None
        app = AsgiApp(self._router, self._interceptors, self._logger,
                      self._config.get_as_long('options.max_body'), self._executor, self._observers, authorizer)
        options = self._config
        # X-Forwarded-For is believed only from configured proxies (uvicorn trusts 127.0.0.1 by default, which
        # lets any local caller pose as many addresses to the per-address auth failure limit)
        proxies = (options.get_as_string('options.trusted_proxies') or '').strip()
        config = uvicorn.Config(
            app, loop='uvloop', lifespan='off', access_log=False, log_level='warning', server_header=False,
            ws='none',  # upgrades are refused by our protocol (a JSON 400), never handed to a WebSocket stack
            proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
            http=limited_protocol(options.get_as_float('options.header_timeout'),
                                  options.get_as_integer('options.max_header_bytes'),
                                  LingerPolicy(options.get_as_long('options.linger_bytes'),
                                               options.get_as_float('options.linger_seconds'),
                                               options.get_as_float('options.linger_idle'),
                                               options.get_as_integer('options.linger_connections'))),
            timeout_keep_alive=options.get_as_integer('options.keep_alive_timeout'),
            timeout_graceful_shutdown=options.get_as_integer('options.shutdown_timeout'))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name='http-endpoint', daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not self._server.started:
            self.close(correlation_id)
            raise ConnectionException(correlation_id, 'CANNOT_CONNECT', 'HTTP endpoint did not start') \
                .with_details('url', self._uri)
        self._logger.info(correlation_id, f'Opened HTTP endpoint at {host}:{self.port}')

    def _protected_host(self, correlation_id: Optional[str], host: str) -> str:
        """Protected mode: without a token configured (and AUTH_DISABLED unset) only loopback."""
        if (host or '').strip('[]') in LOOPBACK_HOSTS or host.startswith('127.'):
            return host
        if self._authorizer is not None and self._authorizer.may_listen_anywhere():
            return host
        loopback = '::1' if ':' in (host or '') else '127.0.0.1'
        self._logger.warn(correlation_id, f'Protected mode: no API token is configured, so this endpoint listens '
                                          f'on {loopback} only, not {host}. Set AUTH_TOKENS=<secret>[@scope] to '
                                          f'serve other addresses with tokens, or AUTH_DISABLED=true to serve '
                                          f'them without any')
        return loopback

    def _serve(self):
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as ex:  # noqa: B902 - a dying server thread must say why
            self._logger.error(None, ex, 'HTTP endpoint stopped')

    def close(self, correlation_id: Optional[str]):
        server, thread = self._server, self._thread
        self._server = None
        if server is not None:
            server.should_exit = True
            if thread is not None:
                thread.join(self._config.get_as_integer('options.shutdown_timeout') + 5)
                if thread.is_alive():
                    server.force_exit = True
                    thread.join(5)
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._router = None
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # --- the interface RestService uses -----------------------------------------------------
    def register(self, registration):
        self._registrations.append(registration)

    def unregister(self, registration):
        if registration in self._registrations:
            self._registrations.remove(registration)

    def register_route(self, method: str, route: str, schema: Optional[Schema], handler: Callable,
                       blocking: bool = True, access: Optional[RouteAccess] = None):
        """``handler`` gets the path values as keyword arguments and returns an HttpResponse (or
        str/bytes/None); an ``async def`` is awaited, a sync one runs inline unless ``blocking``.
        ``access`` says which tokens may call it (token_authorizer.py); by default no domain, and
        writing unless the method is GET/HEAD/OPTIONS (``/metrics`` reads, whatever the method)."""
        route = route if route.startswith('/') else '/' + route
        if access is None:
            access = RouteAccess.of(method, route, write=False if route.startswith('/metrics') else None)
        is_async = inspect.iscoroutinefunction(handler)
        self._router.add(method, route, _Handler(handler, schema, is_async, blocking, access))

    def register_route_with_auth(self, method: str, route: str, schema: Schema, authorize: Callable,
                                 action: Callable, blocking: bool = True):
        def authorized(**kwargs):
            authorize()
            return action(**kwargs)
        self.register_route(method, route, schema, authorized if authorize else action, blocking)

    def register_interceptor(self, route: str, action: Callable):
        """``action()`` runs before every handler under ``route``; a non-None result is the response."""
        self._interceptors.append((route or '', action))

    def register_observer(self, observer: Callable):
        """``observer(method, route, status, seconds)`` after every response (metrics); route is the
        registered template (``/jobs/<job_id>``), '' when no route matched. Costs nothing when none."""
        self._observers.append(observer)

    def routes(self) -> list:
        """(method, path) of every registered route, for tests and the OpenAPI document."""
        return [(r.method, r.path) for r in self._router.routes()] if self._router else []

    def route_access(self) -> list:
        """(method, path, RouteAccess) of every registered route."""
        return [(r.method, r.path, r.handler.access) for r in self._router.routes()] if self._router else []

    @property
    def host(self) -> Optional[str]:
        """The address the endpoint listens on (after protected mode chose it)."""
        return self._socket.getsockname()[0] if self._socket is not None else None

    @staticmethod
    def get_correlation_id() -> Optional[str]:
        from service_background.common.http.request import current_request
        return current_request().correlation_id


class _Handler:
    __slots__ = ('function', 'schema', 'is_async', 'blocking', 'access')

    def __init__(self, function: Callable, schema: Optional[Schema], is_async: bool, blocking: bool,
                 access: Optional[RouteAccess] = None):
        self.access = access
        self.function = function
        self.schema = schema
        self.is_async = is_async
        self.blocking = blocking
