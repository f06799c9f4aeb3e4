"""Base of our commandable HTTP clients. pip-services3-rpc's RestClient opens a new connection per
call; this one keeps one keep-alive ``http.client`` connection per thread (no pool to scan), and turns
ErrorDescriptions back into exceptions.
An API token (``credential.token`` in the config, or ``token=``) goes as ``Authorization: Bearer``."""
import http.client
import select
import threading
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit

import msgspec
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConfigException, ConnectionException
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_rpc.connect import HttpConnectionResolver

from service_background.common.clients.async_commandable_http_client import error_to_exception
from service_background.common.data.json_util import to_json_bytes


class CommandableHttpClient(IConfigurable, IReferenceable, IOpenable):

    def __init__(self, base_route: str, token: Optional[str] = None):
        self._token = token
        self._base_route = base_route.strip('/')
        self._resolver = HttpConnectionResolver()
        self._timeout = 60.0
        self._uri: Optional[str] = None
        self._local = threading.local()

    def configure(self, config: ConfigParams):
        self._resolver.configure(config)
        self._timeout = config.get_as_float_with_default('options.timeout', 60000) / 1000.0
        self._base_route = config.get_as_string_with_default('base_route', self._base_route).strip('/')
        self._token = config.get_as_string_with_default('credential.token', self._token) or None

    def set_token(self, token: Optional[str]):
        self._token = token or None

    def set_references(self, references: IReferences):
        self._resolver.set_references(references)

    def is_open(self) -> bool:
        return self._uri is not None

    def open(self, correlation_id: Optional[str]):
        connection = self._resolver.resolve(correlation_id)
        if connection is None:
            raise ConfigException(correlation_id, 'NO_CONNECTION', 'Connection is not configured')
        self._uri = connection.get_as_string('uri').rstrip('/')

    def close(self, correlation_id: Optional[str]):
        self._uri = None

    def _connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        connection = getattr(self._local, 'connection', None)
        if connection is not None and (fresh or connection.uri != self._uri or _dropped(connection)):
            connection.close()
            connection = None
        if connection is None:
            parts = urlsplit(self._uri)
            kind = http.client.HTTPSConnection if parts.scheme == 'https' else http.client.HTTPConnection
            connection = kind(parts.hostname, parts.port, timeout=self._timeout)
            connection.uri = self._uri
            connection.prefix = parts.path.rstrip('/')
            connection.used = False
            self._local.connection = connection
        return connection

    def call_command(self, name: str, correlation_id: Optional[str], params: Optional[dict] = None) -> Any:
        content = self.call_command_raw(name, correlation_id, params)
        return msgspec.json.decode(content) if content else None

    def call_command_raw(self, name: str, correlation_id: Optional[str], params: Optional[dict] = None,
                         minimal: bool = False) -> bytes:
        """As call_command, but the reply body undecoded (b'' for none): callers that may not need it.
        ``minimal`` asks the service for the ids of what the command made and nothing else."""
        if self._uri is None:
            raise ConnectionException(correlation_id, 'NOT_OPEN', 'The client is not open')
        path = f'/{self._base_route}/{name}'
        if correlation_id:
            path += '?' + urlencode({'correlation_id': correlation_id})
        headers = {'Content-Type': 'application/json'}
        if self._token:
            headers['Authorization'] = f'Bearer {self._token}'
        if minimal:
            headers['Prefer'] = 'return=minimal'
        body = to_json_bytes(params or {})
        for attempt in (0, 1):
            connection = self._connection(fresh=attempt > 0)
            reused = connection.used
            try:
                connection.request('POST', connection.prefix + path, body, headers)
                response = connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as ex:
                connection.close()
                if attempt == 0 and reused:
                    continue  # the server had closed this idle keep-alive connection
                raise self._no_response(correlation_id, path, ex)
            except (OSError, http.client.HTTPException) as ex:
                connection.close()
                raise self._no_response(correlation_id, path, ex)
            connection.used = True
            if response.will_close:
                connection.close()
            break
        if response.status == 204:
            return b''
        if response.status >= 400:
            raise error_to_exception(correlation_id, response.status, content)
        return content

    def _no_response(self, correlation_id: Optional[str], path: str, ex: Exception) -> ConnectionException:
        return ConnectionException(correlation_id, 'NO_RESPONSE',
                                   f'Cannot call {self._uri}{path}: {type(ex).__name__} {ex}').wrap(ex)


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether the server closed (or wrote unasked to) an idle connection: readable means EOF."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True
