"""Base of every REST service: pip-services3-rpc's RestService contract (descriptor dependencies,
configure/set_references/open/close, register_route under base_route, swagger) on our ASGI
HttpEndpoint. Routes of a service whose controller never blocks (memory stores) or only waits for an
fsync (file stores) run inline on the event loop; the others run in the blocking pool."""
from abc import abstractmethod
from typing import Any, Callable, Optional

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import InvalidStateException
from pip_services3_commons.refer import DependencyResolver, IReferenceable, IReferences, IUnreferenceable
from pip_services3_commons.run import IOpenable
from pip_services3_commons.validate import Schema
from pip_services3_components.log import CompositeLogger

from service_background.common.http.errors import read_json_body
from service_background.common.http.request import current_request
from service_background.common.http.response import HttpResponse, send_json, send_raw
from service_background.common.security.token_authorizer import RouteAccess, domain_of_module


class RestService(IOpenable, IConfigurable, IReferenceable, IUnreferenceable):
    _default_config = ConfigParams.from_tuples(
        'base_route', None,
        'dependencies.endpoint', '*:endpoint:http:*:1.0')

    def __init__(self):
        self._dependency_resolver = DependencyResolver(self._default_config)
        self._logger = CompositeLogger()
        self._base_route: Optional[str] = None
        self._endpoint = None
        self._config: ConfigParams = ConfigParams()
        self._swagger_enabled = False
        self._swagger_route = 'swagger'
        self._blocking = True
        self._opened = False

    def configure(self, config: ConfigParams):
        config = config.set_defaults(self._default_config)
        self._config = config
        self._dependency_resolver.configure(config)
        self._base_route = config.get_as_string_with_default('base_route', self._base_route)
        self._swagger_enabled = config.get_as_boolean_with_default('swagger.enable', self._swagger_enabled)
        self._swagger_route = config.get_as_string_with_default('swagger.route', self._swagger_route)

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._dependency_resolver.set_references(references)
        self._endpoint = self._dependency_resolver.get_one_required('endpoint')
        controller = self._dependency_resolver.get_one_optional('controller')
        is_blocking = getattr(controller, 'is_blocking', None)
        self._blocking = is_blocking() if callable(is_blocking) else True  # False, True or DURABLE_INLINE
        self._endpoint.register(self)

    def unset_references(self):
        if self._endpoint is not None:
            self._endpoint.unregister(self)
            self._endpoint = None

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        if self._endpoint is None:
            raise InvalidStateException(correlation_id, 'NO_ENDPOINT', 'HTTP endpoint is missing')
        self._opened = True

    def close(self, correlation_id: Optional[str]):
        self._opened = False

    @abstractmethod
    def register(self):
        """Registers every route of the service on the endpoint (called when the endpoint opens)."""

    # --- registration ---------------------------------------------------------------------------
    @staticmethod
    def fix_route(route: Optional[str]) -> str:
        if route:
            return route if route.startswith('/') else '/' + route
        return ''

    @property
    def auth_domain(self) -> Optional[str]:
        """The token scope domain of this service's routes: the package it lives in
        (``service_background.jobs...`` -> ``jobs``), None for shared services (status, heartbeat)."""
        return domain_of_module(type(self).__module__)

    def register_route(self, method: str, route: str, schema: Optional[Schema], handler: Callable,
                       blocking: Optional[bool] = None, write: Optional[bool] = None, admin: bool = False,
                       public: bool = False):
        """``blocking`` defaults to the controller's: async handlers are awaited whatever it says.
        ``write`` defaults to "not GET/HEAD/OPTIONS"; ``admin`` routes need the domain's full scope;
        ``public`` ones need no token (only GET /heartbeat is)."""
        route = f'{self.fix_route(self._base_route)}{self.fix_route(route)}' or '/'
        access = RouteAccess.of(method, route, self.auth_domain, write, admin, public)
        self._endpoint.register_route(method, route, schema, handler,
                                      self._blocking if blocking is None else blocking, access=access)

    def register_route_with_auth(self, method: str, route: str, schema: Schema, authorize: Callable,
                                 action: Callable):
        route = f'{self.fix_route(self._base_route)}{self.fix_route(route)}'
        self._endpoint.register_route_with_auth(method, route, schema, authorize, action, self._blocking)

    def register_interceptor(self, route: str, action: Callable):
        self._endpoint.register_interceptor(f'{self.fix_route(self._base_route)}{self.fix_route(route)}', action)

    def _register_open_api_spec(self, content: str):
        if self._swagger_enabled:
            self.register_route('GET', self._swagger_route, None,
                                lambda: send_raw(content, 'application/x-yaml'), blocking=False)

    # --- the request --------------------------------------------------------------------------
    @staticmethod
    def _get_correlation_id() -> Optional[str]:
        return current_request().correlation_id

    @staticmethod
    def _get_data() -> dict:
        return read_json_body()

    @staticmethod
    def send_result(result: Any) -> HttpResponse:
        return send_json(result)

    @staticmethod
    def send_created_result(result: Any) -> HttpResponse:
        return send_json(result, 201)
