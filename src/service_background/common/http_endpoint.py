"""Our HTTP endpoint, a stand-in for pip-services3-rpc's HttpEndpoint (same descriptor kind, same
methods RestService calls). The library's serves on cheroot with a fixed pool of 10 threads and 10
keep-alive connections, so ten blocked long-polls stall every request; here both are configurable
(options.threads, options.keep_alive_limit), and every error, bottle's own included, is an
ErrorDescription."""
import threading
from typing import Callable, List, Optional

import bottle
from cheroot import wsgi
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConfigException, ConnectionException
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_commons.validate import Schema
from pip_services3_components.log import CompositeLogger
from pip_services3_rpc.connect import HttpConnectionResolver

from .http_errors import error_body, read_json_body, status_error


class HttpEndpoint(IOpenable, IConfigurable, IReferenceable):
    _default_config = ConfigParams.from_tuples(
        'connection.protocol', 'http',
        'connection.host', '0.0.0.0',
        'connection.port', 8080,
        'options.threads', 200,
        'options.keep_alive_limit', 1000,
        'options.request_max_size', 16 * 1024 * 1024,
        'options.connect_timeout', 60)

    def __init__(self):
        self._resolver = HttpConnectionResolver()
        self._logger = CompositeLogger()
        self._registrations: List = []
        self._app: Optional[bottle.Bottle] = None
        self._server: Optional[wsgi.Server] = None
        self._thread: Optional[threading.Thread] = None
        self._threads = 200
        self._keep_alive_limit = 1000
        self._request_max_size = 16 * 1024 * 1024
        self._timeout = 60
        self._uri = None

    def configure(self, config: ConfigParams):
        config = config.set_defaults(self._default_config)
        self._resolver.configure(config)
        self._threads = config.get_as_integer('options.threads')
        self._keep_alive_limit = config.get_as_integer('options.keep_alive_limit')
        self._request_max_size = config.get_as_long('options.request_max_size')
        self._timeout = config.get_as_integer('options.connect_timeout')

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._resolver.set_references(references)

    def is_open(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> Optional[int]:
        return self._server.bind_addr[1] if self._server is not None else None

    def open(self, correlation_id: Optional[str]):
        if self.is_open():
            return
        connection = self._resolver.resolve(correlation_id)
        if connection is None:
            raise ConfigException(correlation_id, 'NO_CONNECTION', 'Connection for HTTP endpoint is not defined')
        host = connection.get_as_string('host')
        port = connection.get_as_integer('port')
        self._uri = connection.get_as_string('uri')

        bottle.BaseRequest.MEMFILE_MAX = self._request_max_size
        self._app = bottle.Bottle(catchall=True, autojson=False)
        self._app.add_hook('after_request', self._no_cache)
        for status in (400, 404, 405, 413, 500):
            self._app.error(status)(self._bottle_error)
        for registration in self._registrations:
            registration.register()

        server = wsgi.Server((host, port), self._app, numthreads=self._threads, max=self._threads,
                             timeout=self._timeout, request_queue_size=128)
        server.keep_alive_conn_limit = self._keep_alive_limit
        try:
            server.prepare()  # binds now, so a busy port fails open() instead of a thread
        except Exception as ex:
            raise ConnectionException(correlation_id, 'CANNOT_CONNECT', 'Opening HTTP endpoint failed') \
                .wrap(ex).with_details('url', self._uri)
        self._server = server
        self._thread = threading.Thread(target=server.serve, name='http-endpoint', daemon=True)
        self._thread.start()
        self._logger.info(correlation_id, f'Opened HTTP endpoint at {host}:{self.port}')

    def close(self, correlation_id: Optional[str]):
        if self._server is not None:
            try:
                self._server.stop()
            except Exception as ex:
                self._logger.warn(correlation_id, f'Failed while closing HTTP endpoint: {ex}')
            self._server = None
            self._app = None

    # --- the interface RestService uses -----------------------------------------------------
    def register(self, registration):
        self._registrations.append(registration)

    def unregister(self, registration):
        if registration in self._registrations:
            self._registrations.remove(registration)

    def register_route(self, method: str, route: str, schema: Optional[Schema], handler: Callable):
        route = route if route.startswith('/') else '/' + route

        def wrapper(*args, **kwargs):
            try:
                if isinstance(schema, Schema):
                    params = dict(bottle.request.query)
                    params.update(kwargs)
                    params['body'] = read_json_body(required_object=False)
                    schema.validate_and_throw_exception(params.get('correlation_id'), params, False)
                return handler(*args, **kwargs)
            except bottle.HTTPResponse:
                raise
            except Exception as ex:
                if not hasattr(ex, 'status') or (getattr(ex, 'status', 500) or 500) >= 500:
                    self._logger.error(self.get_correlation_id(), ex, f'{method} {route} failed')
                return error_body(ex)

        self._app.route(route, method.upper(), wrapper)

    def register_route_with_auth(self, method: str, route: str, schema: Schema, authorize: Callable,
                                 action: Callable):
        def authorized(*args, **kwargs):
            authorize()
            return action(*args, **kwargs)

        self.register_route(method, route, schema, authorized if authorize else action)

    def register_interceptor(self, route: str, action: Callable):
        def intercept():
            if not route or bottle.request.path.startswith(route):
                return action()
        self._app.add_hook('before_request', intercept)

    @staticmethod
    def get_correlation_id() -> Optional[str]:
        return bottle.request.query.get('correlation_id') or bottle.request.headers.get('correlation_id')

    # --- hooks ------------------------------------------------------------------------------
    @staticmethod
    def _no_cache():
        bottle.response.headers['Cache-Control'] = 'no-cache, no-store, must-revalidate'

    @staticmethod
    def _bottle_error(error: bottle.HTTPError) -> str:
        bottle.response.content_type = 'application/json'
        codes = {400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'TOO_LARGE'}
        status = error.status_code
        message = error.body if isinstance(error.body, str) and error.body else error.status_line
        if status == 404:
            message = f'No route {bottle.request.method} {bottle.request.path}'
        return status_error(status, codes.get(status, 'INTERNAL'), message)
