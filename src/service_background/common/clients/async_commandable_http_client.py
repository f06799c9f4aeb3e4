"""Base of the asyncio clients: one LeanHttpClient (one keep-alive connection pool) per client object,
``async with`` lifecycle, an optional bearer token, and the same exceptions as the sync clients
(ErrorDescriptions become pip-services ApplicationExceptions; a call that gets no answer is a
ConnectionException ``NO_RESPONSE``).

Standalone: ``async with JobsAsyncClientV1('http://127.0.0.1:8080', token='t') as client: ...``.
As a component: configure (``connection.uri`` or ``connection.protocol/host/port``,
``credential.token``, ``options.timeout`` ms, ``options.max_connections``), set_references, then
``await client.open_async(None)`` / ``await client.close_async(None)``."""
import asyncio
from typing import Any, Dict, Optional
from urllib.parse import urlencode

import msgspec
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import (
    ApplicationExceptionFactory,
    ConfigException,
    ConnectionException,
    ErrorDescription,
)
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_rpc.connect import HttpConnectionResolver

from service_background.common.clients.lean_http_client import LeanHttpClient, LeanResponse
from service_background.common.data.json_util import to_json_bytes

MINIMAL = {'Prefer': 'return=minimal'}


class AsyncCommandableHttpClient(IConfigurable, IReferenceable):

    def __init__(self, base_route: str, url: Optional[str] = None, token: Optional[str] = None,
                 timeout: float = 60.0, max_connections: int = 100):
        self._base_route = base_route.strip('/')
        self._resolver = HttpConnectionResolver()
        self._url = url.rstrip('/') if url else None
        self._token = token
        self._timeout = timeout
        self._max_connections = max_connections
        self._http: Optional[LeanHttpClient] = None
        self.requests = 0  # calls sent, for tests and benchmarks

    # --- component plumbing -----------------------------------------------------------------------
    def configure(self, config: ConfigParams):
        self._resolver.configure(config)
        self._timeout = config.get_as_float_with_default('options.timeout', self._timeout * 1000) / 1000.0
        self._max_connections = config.get_as_integer_with_default('options.max_connections',
                                                                   self._max_connections)
        self._token = config.get_as_string_with_default('credential.token', self._token)
        self._base_route = config.get_as_string_with_default('base_route', self._base_route).strip('/')

    def set_references(self, references: IReferences):
        self._resolver.set_references(references)

    @property
    def url(self) -> Optional[str]:
        return self._url

    def is_open(self) -> bool:
        return self._http is not None

    async def open_async(self, correlation_id: Optional[str] = None):
        if self._http is not None:
            return
        if self._url is None:
            connection = self._resolver.resolve(correlation_id)
            if connection is None:
                raise ConfigException(correlation_id, 'NO_CONNECTION', 'Connection is not configured')
            self._url = connection.get_as_string('uri').rstrip('/')
        headers = {'Content-Type': 'application/json'}
        if self._token:
            headers['Authorization'] = f'Bearer {self._token}'
        self._http = LeanHttpClient(self._url, headers, self._max_connections)

    async def close_async(self, correlation_id: Optional[str] = None):
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    async def __aenter__(self):
        await self.open_async(None)
        return self

    async def __aexit__(self, *exc):
        await self.close_async(None)

    # --- calls ------------------------------------------------------------------------------------
    async def request(self, method: str, path: str, correlation_id: Optional[str] = None, body: Any = None,
                      params: Optional[Dict[str, Any]] = None, headers: Optional[Dict[str, str]] = None,
                      wait: float = 0.0) -> Optional[LeanResponse]:
        """One call; ``wait`` seconds are added to the timeout (long-polls). None for a 204;
        an ErrorDescription answer is raised as its ApplicationException."""
        if self._http is None:
            raise ConnectionException(correlation_id, 'NOT_OPEN', 'The client is not open')
        query = {k: v for k, v in (params or {}).items() if v is not None}
        if correlation_id:
            query['correlation_id'] = correlation_id
        target = f'{path}?{urlencode(query)}' if query else path
        content = to_json_bytes(body) if body is not None else None
        self.requests += 1
        try:
            response = await self._http.request(method, target, content, headers, self._timeout + wait)
        except asyncio.CancelledError:
            raise
        except (OSError, TimeoutError) as ex:  # ConnectionError is an OSError
            reason = 'timed out' if isinstance(ex, TimeoutError) else f'{type(ex).__name__} {ex}'
            raise ConnectionException(correlation_id, 'NO_RESPONSE',
                                      f'Cannot call {method} {self._url}{path}: {reason}').wrap(ex)
        if response.status_code == 204:
            return None
        if response.status_code >= 400:
            raise self._to_exception(correlation_id, response)
        return response

    async def call_command(self, name: str, correlation_id: Optional[str], params: Optional[dict] = None) -> Any:
        response = await self.request('POST', f'/{self._base_route}/{name}', correlation_id, params or {})
        return None if response is None else decode_reply(response)

    async def call_command_raw(self, name: str, correlation_id: Optional[str],
                               params: Optional[dict] = None, minimal: bool = False) -> bytes:
        """As call_command, but the reply body undecoded (b'' for none): callers that may not need it.
        ``minimal`` asks the service for the ids of what the command made and nothing else."""
        response = await self.request('POST', f'/{self._base_route}/{name}', correlation_id, params or {},
                                      headers=MINIMAL if minimal else None)
        return b'' if response is None else response.content

    @staticmethod
    def _to_exception(correlation_id: Optional[str], response: LeanResponse) -> Exception:
        return error_to_exception(correlation_id, response.status_code, response.content)


def error_to_exception(correlation_id: Optional[str], status: int, content: bytes) -> Exception:
    """An error reply (an ErrorDescription, or any text) as its ApplicationException."""
    description = ErrorDescription()
    try:
        for key, value in msgspec.json.decode(content).items():
            setattr(description, key, value)
    except (msgspec.DecodeError, ValueError, AttributeError):
        description.message = content.decode('utf-8', 'replace')
    description.status = description.status or status
    description.code = description.code or 'UNKNOWN'
    description.correlation_id = description.correlation_id or correlation_id
    return ApplicationExceptionFactory.create(description)


def decode_reply(response: LeanResponse) -> Any:
    """The JSON body of a reply, decoded (None when it has none)."""
    return msgspec.json.decode(response.content) if response.content else None


_FENCED_CLASSES: Dict[type, type] = {}


def with_lease_token(obj: Any, data: Any) -> Any:
    """Keeps a ``lease_token`` the service may send (fenced leases) on the typed object, which
    drops fields its class does not declare; an object without one gets no attribute. A slotted
    class is given a subclass with a ``lease_token`` slot (isinstance still holds)."""
    if obj is None or not isinstance(data, dict) or data.get('lease_token') is None:
        return obj
    if getattr(obj, 'lease_token', None) is not None:
        return obj  # the class declares the field
    try:
        obj.lease_token = data['lease_token']
    except AttributeError:
        cls = type(obj)
        fenced = _FENCED_CLASSES.get(cls)
        if fenced is None:
            fenced = _FENCED_CLASSES[cls] = type(cls.__name__, (cls,), {'__slots__': ('lease_token',),
                                                                         '__module__': cls.__module__})
        obj = fenced.from_json(data)
        obj.lease_token = data['lease_token']
    return obj
