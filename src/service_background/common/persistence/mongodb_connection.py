"""The one MongoDB connection of a process: pip-services3-mongodb's ``MongoDbConnection``, fixed.

Registered under the library's descriptor ``pip-services:connection:mongodb:default:1.0``, which every
MongoDB persistence resolves as its ``connection`` dependency, so the process has one pymongo client
(one pool, one set of monitor threads) whatever the number of collections.

What the library class gets wrong, fixed here once:
- it does not declare IConfigurable, so a container never configures it (it connects to "mongodb://");
- it passes ``replica_set`` / ``auth.user`` / ``auth.password`` as keyword names pymongo 4 rejects;
- ``max_pool_size`` goes to pymongo as a string, and no server-selection timeout is set: a database
  that stops answering makes every call hang for pymongo's 30 s default (or forever on a socket);
- ``get_database()`` fails for a URI without a database; ``connection.database`` is ignored then;
- dates come back naive (no ``tz_aware``).

Timeouts (ms, ``options.*``): ``connect_timeout``, ``server_selection_timeout``, ``socket_timeout``
(each 5000 by default), ``operation_timeout`` (pymongo's ``timeoutMS``: the whole call, its retry
included; the server selection timeout by default), ``max_pool_size`` (50), ``heartbeat_interval``
(2000). A call that runs into one of them raises ``DatabaseUnavailableException`` (503
``DATABASE_UNAVAILABLE``); pymongo reconnects by itself when the server answers again. ``health()`` says
whether the database answered lately, for /status, without a round trip.
"""
from typing import Any, Optional

import pymongo
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConnectionException
from pip_services3_commons.refer import Descriptor
from pip_services3_mongodb.connect import MongoDbConnection as _LibraryMongoDbConnection
from pymongo.errors import ConnectionFailure, ExecutionTimeout, WTimeoutError

from service_background.common.persistence.database_health import (
    DatabaseHealth,
    DatabaseUnavailableException,
    unavailable,
)

DEFAULT_DATABASE = 'service_background'
DEFAULT_TIMEOUT_MS = 5000

MongoDbConnectionDescriptor = Descriptor('pip-services', 'connection', 'mongodb', 'default', '1.0')
MongoDbConnectionLocator = Descriptor('pip-services', 'connection', 'mongodb', '*', '1.0')

# pymongo's "the server did not answer in time / went away": AutoReconnect (NetworkTimeout,
# NotPrimaryError), ServerSelectionTimeoutError and ConnectionFailure itself, plus server-side timeouts.
UNAVAILABLE_ERRORS = (ConnectionFailure, ExecutionTimeout, WTimeoutError)

__all__ = ['MongoDbConnection', 'DatabaseUnavailableException', 'unavailable', 'report', 'UNAVAILABLE_ERRORS']


class MongoDbConnection(_LibraryMongoDbConnection, IConfigurable):

    def __init__(self):
        super().__init__()
        self._database_name = DEFAULT_DATABASE
        self._default_database = DEFAULT_DATABASE
        self._uri: Optional[str] = None
        self._health = DatabaseHealth()

    def configure(self, config: ConfigParams):
        if not config.get_as_nullable_string('connection.uri') \
                and not config.get_as_nullable_string('connection.host') \
                and not config.get_as_nullable_string('connections.0.uri') \
                and not config.get_as_nullable_string('connections.0.host'):
            config = ConfigParams(config)
            config.set_as_object('connection.host', 'localhost')
            config.set_as_object('connection.port', 27017)
        super().configure(config)
        # the library's defaults (a pool of 2, no selection/socket timeouts) are replaced by ours
        self._options = ConfigParams.from_tuples(
            'max_pool_size', 50, 'connect_timeout', DEFAULT_TIMEOUT_MS, 'server_selection_timeout', DEFAULT_TIMEOUT_MS,
            'socket_timeout', DEFAULT_TIMEOUT_MS, 'heartbeat_interval', 2000).override(config.get_section('options'))
        self._default_database = (config.get_as_nullable_string('connection.database')
                                  or config.get_as_nullable_string('connection.db') or DEFAULT_DATABASE)

    def _option_ms(self, name: str, default: Optional[int] = DEFAULT_TIMEOUT_MS) -> Optional[int]:
        value = self._options.get_as_nullable_integer(name)
        return default if value is None or value <= 0 else value

    def _settings(self) -> dict:
        settings = {
            'maxPoolSize': self._option_ms('max_pool_size', 50),
            'connectTimeoutMS': self._option_ms('connect_timeout'),
            'serverSelectionTimeoutMS': self._option_ms('server_selection_timeout'),
            'socketTimeoutMS': self._option_ms('socket_timeout'),
            'heartbeatFrequencyMS': max(500, self._option_ms('heartbeat_interval', 2000)),
            # one deadline per operation, server selection and pymongo's one retry included: without it
            # a retryable call could wait a socket timeout and then a selection timeout (2x)
            'timeoutMS': self._option_ms('operation_timeout', self._option_ms('server_selection_timeout')),
            'tz_aware': True,
        }
        replica_set = self._options.get_as_nullable_string('replica_set')
        if replica_set:
            settings['replicaSet'] = replica_set
        if self._options.get_as_nullable_boolean('ssl'):
            settings['tls'] = True
        auth_source = self._options.get_as_nullable_string('auth_source')
        if auth_source:
            settings['authSource'] = auth_source
        return settings

    @property
    def timeout_ms(self) -> int:
        return self._option_ms('server_selection_timeout')

    def open(self, correlation_id: Optional[str]):
        if self._connection is not None:
            return
        try:
            self._uri = self._connection_resolver.resolve(correlation_id) or 'mongodb://localhost:27017'
            client = pymongo.MongoClient(self._uri, **self._settings())
            client.admin.command('ping')
        except Exception as ex:
            raise ConnectionException(correlation_id, 'CONNECT_FAILED',
                                      f'Cannot connect to MongoDB at {self._uri}').with_cause(ex)
        self._connection = client
        self._db = client.get_default_database(default=self._default_database)
        self._database_name = self._db.name
        self.report_success()
        self._logger.debug(correlation_id, f'Connected to MongoDB database {self._database_name}')

    def close(self, correlation_id: Optional[str]):
        client, self._connection, self._db = self._connection, None, None
        if client is not None:
            client.close()

    # --- health ---------------------------------------------------------------------------------
    def report_failure(self, error: BaseException):
        self._health.report_failure(error)

    def report_success(self):
        self._health.report_success()

    def health(self) -> dict:
        """``{"status": "up"|"down", ...}`` from what calls saw lately and pymongo's monitor (no I/O)."""
        if self._connection is None:
            return {'status': 'down', 'database': self._database_name, 'error': 'not connected'}
        try:
            description = self._connection.topology_description
            reachable = description.has_readable_server() and description.has_writable_server()
        except Exception:  # pragma: no cover - pymongo internals
            reachable = True
        return self._health.describe(self._database_name, reachable)

    def is_healthy(self) -> bool:
        return self.health()['status'] == 'up'


def report(connection: Any, error: Optional[BaseException] = None):
    """Tells ``connection`` (our class or any other) how a call went, when it keeps health."""
    if error is None:
        if hasattr(connection, 'report_success'):
            connection.report_success()
    elif hasattr(connection, 'report_failure'):
        connection.report_failure(error)
