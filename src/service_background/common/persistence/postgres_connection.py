"""The one PostgreSQL connection of a process: a psycopg 3 connection pool every PostgreSQL persistence
shares, with a deadline on every call so a database that stops answering gives 503 in time.

Registered under ``pip-services:connection:postgres:default:1.0``. Config, as for MongoDB:
``connection.uri`` (postgresql://user:password@host:port/db), or ``connection.host`` / ``port`` /
``database`` with ``credential.username`` / ``password``; ``options.max_pool_size`` (20),
``options.connect_timeout`` and ``options.operation_timeout`` (ms, 5000 each), ``options.table_prefix``
(the default prefix of every table, '' by default).

Why a watchdog: libpq has no client-side read timeout, and a server that is stopped (not gone) keeps
the TCP connection open, so a call would hang forever. Every call registers its connection's socket
with a deadline; a thread shuts down the sockets past theirs, the call fails at once, and the broken
connection leaves the pool. ``statement_timeout`` bounds slow statements on a live server the same way.
"""
import socket
import threading
import time
from contextlib import contextmanager
from typing import Dict, Iterator, Optional, Tuple

import psycopg
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConnectionException
from pip_services3_commons.refer import Descriptor, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_components.log import CompositeLogger
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool

from service_background.common.persistence.database_health import (
    DatabaseHealth,
    DatabaseUnavailableException,
    unavailable,
)

DEFAULT_DATABASE = 'service_background'
DEFAULT_TIMEOUT_MS = 5000
DEFAULT_POOL_SIZE = 20  # per process: several processes share the server's max_connections (100)

PostgresConnectionDescriptor = Descriptor('pip-services', 'connection', 'postgres', 'default', '1.0')
PostgresConnectionLocator = Descriptor('pip-services', 'connection', 'postgres', '*', '1.0')

# psycopg's "the server did not answer / went away": connection failures, a shut-down socket, a pool
# that found no connection in time (PoolTimeout is an OperationalError), statement_timeout.
UNAVAILABLE_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)

__all__ = ['PostgresConnection', 'PostgresConnectionDescriptor', 'PostgresConnectionLocator',
           'DatabaseUnavailableException', 'UNAVAILABLE_ERRORS']


class _Watchdog:
    """Shuts down the socket of every call still running past its deadline (one thread per process)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._calls: Dict[int, Tuple[float, int]] = {}
        self._killed: set = set()
        self._thread: Optional[threading.Thread] = None
        self._next = 0

    def start(self, deadline: float, fd: int) -> int:
        with self._lock:
            self._next += 1
            self._calls[self._next] = (deadline, fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name='postgres-watchdog', daemon=True)
                self._thread.start()
            return self._next

    def stop(self, ticket: int) -> bool:
        """Forgets the call; True when its socket was shut down (the connection must not be reused)."""
        with self._lock:
            self._calls.pop(ticket, None)
            if ticket in self._killed:
                self._killed.discard(ticket)
                return True
            return False

    def _run(self):
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                for ticket, (deadline, fd) in list(self._calls.items()):
                    if deadline <= now:
                        del self._calls[ticket]
                        self._killed.add(ticket)
                        _shutdown(fd)


def _shutdown(fd: int):
    try:
        sock = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)  # libpq's read returns at once: "server closed the connection"
    except OSError:
        pass
    finally:
        sock.detach()  # the fd stays libpq's


_WATCHDOG = _Watchdog()


class PostgresConnection(IConfigurable, IReferenceable, IOpenable):
    """The pool, its settings and the health /status shows. Persistences borrow connections with
    ``connection()``; each borrowed connection is watched until it goes back."""

    def __init__(self):
        self._logger = CompositeLogger()
        self._config = ConfigParams()
        self._pool: Optional[ConnectionPool] = None
        self._database_name = DEFAULT_DATABASE
        self._health = DatabaseHealth()

    def configure(self, config: ConfigParams):
        self._config = config

    def set_references(self, references: IReferences):
        self._logger.set_references(references)

    def _option(self, name: str, default: int) -> int:
        value = self._config.get_as_nullable_integer('options.' + name)
        return default if value is None or value <= 0 else value

    @property
    def timeout_ms(self) -> int:
        return self._option('operation_timeout', DEFAULT_TIMEOUT_MS)

    @property
    def table_prefix(self) -> str:
        return self._config.get_as_string_with_default('options.table_prefix', '')

    def conninfo(self) -> str:
        """The libpq connection string: the URI, else host/port/database/credential, with our timeouts."""
        c = self._config
        uri = c.get_as_nullable_string('connection.uri')
        params = {}
        if not uri:
            params = {'host': c.get_as_string_with_default('connection.host', 'localhost'),
                      'port': c.get_as_integer_with_default('connection.port', 5432),
                      'dbname': (c.get_as_nullable_string('connection.database')
                                 or c.get_as_nullable_string('connection.db') or DEFAULT_DATABASE)}
            for key, name in (('user', 'credential.username'), ('password', 'credential.password')):
                value = c.get_as_nullable_string(name)
                if value:
                    params[key] = value
        params['connect_timeout'] = max(1, self._option('connect_timeout', DEFAULT_TIMEOUT_MS) // 1000)
        params['options'] = f'-c statement_timeout={self.timeout_ms} -c TimeZone=UTC'
        params['application_name'] = 'service-background'
        return make_conninfo(uri or '', **params)

    def is_open(self) -> bool:
        return self._pool is not None

    def open(self, correlation_id: Optional[str]):
        if self._pool is not None:
            return
        timeout = self.timeout_ms / 1000
        pool = ConnectionPool(self.conninfo(), min_size=1, max_size=self._option('max_pool_size', DEFAULT_POOL_SIZE),
                              timeout=timeout, kwargs={'autocommit': True},
                              name='service-background', open=False)
        try:
            pool.open(wait=True, timeout=self._option('connect_timeout', DEFAULT_TIMEOUT_MS) / 1000 + 1)
        except Exception as ex:
            pool.close(timeout=0)
            raise ConnectionException(correlation_id, 'CONNECT_FAILED',
                                      'Cannot connect to PostgreSQL').with_cause(ex)
        self._pool = pool
        with pool.connection() as conn:
            self._database_name = conn.info.dbname
        self._health.report_success()
        self._logger.debug(correlation_id, f'Connected to PostgreSQL database {self._database_name}')

    def close(self, correlation_id: Optional[str]):
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close(timeout=1)

    @contextmanager
    def connection(self, timeout_ms: Optional[int] = None) -> Iterator[psycopg.Connection]:
        """A pooled connection (autocommit) for one call, given back after it. A call not done within
        ``timeout_ms`` (the operation timeout by default) or a database that does not answer raises
        DatabaseUnavailableException."""
        pool = self._pool
        if pool is None:
            raise DatabaseUnavailableException(None, 'The PostgreSQL connection is closed')
        deadline = time.monotonic() + (timeout_ms or self.timeout_ms) / 1000
        try:
            with pool.connection(timeout=max(0.001, deadline - time.monotonic())) as conn:
                ticket = _WATCHDOG.start(deadline, conn.pgconn.socket)
                try:
                    yield conn
                finally:
                    if _WATCHDOG.stop(ticket):
                        conn.close()  # its socket is shut down: the pool must drop it
        except UNAVAILABLE_ERRORS as ex:
            self._health.report_failure(ex)
            raise unavailable(ex) from ex
        self._health.report_success()

    def health(self) -> dict:
        """``{"status": "up"|"down", ...}`` from what calls saw lately (no I/O), for /status."""
        if self._pool is None:
            return {'status': 'down', 'database': self._database_name, 'error': 'not connected'}
        return self._health.describe(self._database_name)

    def is_healthy(self) -> bool:
        return self.health()['status'] == 'up'
