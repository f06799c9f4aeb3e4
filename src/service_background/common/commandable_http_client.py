"""Base of our commandable HTTP clients. pip-services3-rpc's RestClient opens a new connection per
call; this one keeps a session per thread, and turns ErrorDescriptions back into exceptions.
An API token (``credential.token`` in the config, or ``token=``) goes as ``Authorization: Bearer``."""
import threading
from typing import Any, Optional

import requests
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import (ApplicationExceptionFactory, ConfigException, ConnectionException,
                                          ErrorDescription)
from pip_services3_commons.refer import IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_rpc.connect import HttpConnectionResolver

from .json_util import to_json


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

    def _session(self) -> requests.Session:
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def call_command(self, name: str, correlation_id: Optional[str], params: Optional[dict] = None) -> Any:
        url = f'{self._uri}/{self._base_route}/{name}'
        query = {'correlation_id': correlation_id} if correlation_id else None
        try:
            headers = {'Content-Type': 'application/json'}
            if self._token:
                headers['Authorization'] = f'Bearer {self._token}'
            response = self._session().post(url, params=query, data=to_json(params or {}), headers=headers,
                                            timeout=self._timeout)
        except requests.RequestException as ex:
            raise ConnectionException(correlation_id, 'NO_RESPONSE', f'Cannot call {url}: {ex}').wrap(ex)
        if response.status_code == 204:
            return None
        if response.status_code >= 400:
            raise self._to_exception(correlation_id, response)
        return response.json()

    @staticmethod
    def _to_exception(correlation_id: Optional[str], response: requests.Response) -> Exception:
        description = ErrorDescription()
        try:
            data = response.json()
            for key, value in data.items():
                setattr(description, key, value)
        except ValueError:
            description.message = response.text
        description.status = description.status or response.status_code
        description.code = description.code or 'UNKNOWN'
        description.correlation_id = description.correlation_id or correlation_id
        return ApplicationExceptionFactory.create(description)
