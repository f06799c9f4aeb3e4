"""PostgreSQL persistence base: a store's tables made by versioned migrations at open, and the few
calls every store makes through the process's one ``PostgresConnection``.

Component contract as for MongoDB: the ``connection`` dependency (``*:connection:postgres:*:1.0``), or a
local connection from this component's own ``connection.*`` / ``credential.*`` / ``options.*`` settings
when none is referenced (tests, a store used alone). ``table`` names the main table (the store's default
otherwise), ``table_prefix`` goes before every table name (the connection's ``options.table_prefix`` by
default), so several deployments or tests can share one database.

Migrations: a subclass lists SQL scripts in ``_migrations()``, version N being the Nth; new versions are
only ever appended, and never drop or rewrite data. ``open`` applies the versions a database lacks in
one transaction under an advisory lock, recorded in ``<prefix>schema_migrations``, so processes that
start at once apply each version once and the others wait for it.

A call the database does not answer within the connection's timeout raises DatabaseUnavailableException
(503 ``DATABASE_UNAVAILABLE``) and marks the connection down for /status."""
import re
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Sequence

import psycopg
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.data import DataPage, PagingParams
from pip_services3_commons.errors import ConfigException, ConnectionException, InvalidStateException
from pip_services3_commons.refer import DependencyResolver, IReferenceable, IReferences
from pip_services3_commons.run import ICleanable, IOpenable
from pip_services3_components.log import CompositeLogger
from psycopg.rows import dict_row

from service_background.common.persistence.database_health import DatabaseUnavailableException
from service_background.common.persistence.memory_persistence import MAX_PAGE_SIZE
from service_background.common.persistence.postgres_connection import PostgresConnection, PostgresConnectionLocator

__all__ = ['PostgresPersistence', 'DatabaseUnavailableException']

MIGRATION_LOCK = 0x5E6BAC6  # the advisory lock every process takes to migrate (any store, any prefix)
MIGRATION_TIMEOUT_MS = 600_000  # building an index on a large table may take a while
_NAME = re.compile(r'^[a-z_][a-z0-9_]*$')


class PostgresPersistence(IConfigurable, IReferenceable, IOpenable, ICleanable):
    blocking = True  # every call is a network round trip

    def __init__(self, table_name: str, data_class: type):
        self._logger = CompositeLogger()
        self._dependency_resolver = DependencyResolver()
        self._dependency_resolver.put('connection', PostgresConnectionLocator)
        self._table_name = table_name
        self._table_prefix: Optional[str] = None
        self._data_class = data_class
        self._config = ConfigParams()
        self._shared: Optional[PostgresConnection] = None  # the process's, when referenced
        self._local: Optional[PostgresConnection] = None  # made from this component's config otherwise
        self._connection: Optional[PostgresConnection] = None  # the one in use while open
        self._opened = False
        self._applied: List[int] = []
        self._max_page_size = MAX_PAGE_SIZE

    # --- lifecycle ----------------------------------------------------------------------------
    def configure(self, config: ConfigParams):
        self._config = config
        self._dependency_resolver.configure(config)
        self._table_name = config.get_as_string_with_default('table', self._table_name)
        self._table_prefix = config.get_as_nullable_string('table_prefix')
        self._max_page_size = min(config.get_as_integer_with_default('options.max_page_size', MAX_PAGE_SIZE),
                                  MAX_PAGE_SIZE)

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._dependency_resolver.set_references(references)
        self._shared = self._dependency_resolver.get_one_optional('connection')

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        if self._opened:
            return
        if self._shared is None and self._local is None:
            self._local = PostgresConnection()
            self._local.configure(self._config)
            self._local.open(correlation_id)
        self._connection = self._shared or self._local
        if not self._connection.is_open():
            raise InvalidStateException(correlation_id, 'NO_CONNECTION',
                                        'The PostgreSQL connection must be opened before its persistences')
        try:
            self._applied = self.migrate(correlation_id)
        except DatabaseUnavailableException as ex:
            raise ConnectionException(correlation_id, 'CONNECT_FAILED',
                                      f'Cannot prepare table {self.table()}').with_cause(ex)
        self._opened = True

    def close(self, correlation_id: Optional[str]):
        local, self._local = self._local, None
        if local is not None:
            local.close(correlation_id)
        self._opened = False

    def clear(self, correlation_id: Optional[str]):
        self._execute(f'TRUNCATE {", ".join(self._tables())}')

    # --- schema -------------------------------------------------------------------------------
    def table(self, name: Optional[str] = None) -> str:
        """The prefixed name of the store's table, or of another table ``name`` of the store."""
        prefix = self._table_prefix if self._table_prefix is not None else (
            self._connection.table_prefix if self._connection is not None else '')
        full = prefix + (name or self._table_name)
        if not _NAME.match(full) or len(full) > 63:
            raise ConfigException(None, 'BAD_TABLE_NAME', f'Not a plain lower-case table name: {full!r}')
        return full

    @property
    def applied_migrations(self) -> List[int]:
        """The versions the last ``open`` applied (none when the database had them)."""
        return list(self._applied)

    def _tables(self) -> Sequence[str]:
        """Every table of the store (what ``clear`` empties)."""
        return [self.table()]

    def _migrations(self) -> List[str]:
        """The store's schema, version by version (append only): override."""
        return []

    def migrate(self, correlation_id: Optional[str]) -> List[int]:
        """Applies the versions this database lacks; returns them (none when another process did)."""
        log = self.table('schema_migrations')
        scripts = self._migrations()
        with self._connection.connection(MIGRATION_TIMEOUT_MS) as conn, conn.transaction():
            conn.execute('SET LOCAL statement_timeout = 0')
            conn.execute('SELECT pg_advisory_xact_lock(%s)', (MIGRATION_LOCK,))
            conn.execute(f'CREATE TABLE IF NOT EXISTS {log} (store text NOT NULL, version integer NOT NULL, '
                         'applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (store, version))')
            row = conn.execute(f'SELECT coalesce(max(version), 0) FROM {log} WHERE store = %s',
                               (self._table_name,)).fetchone()
            applied = list(range(row[0] + 1, len(scripts) + 1))
            for version in applied:
                conn.execute(scripts[version - 1])
                conn.execute(f'INSERT INTO {log} (store, version) VALUES (%s, %s)', (self._table_name, version))
        if applied:
            self._logger.info(correlation_id, f'Migrated {self.table()} to version {len(scripts)}')
        return applied

    # --- calls ----------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Connection]:
        """A connection inside one transaction (committed when the block ends, rolled back if it raises)."""
        with self._connection.connection() as conn, conn.transaction():
            yield conn

    @staticmethod
    def _query(conn: psycopg.Connection, sql: str, params: Any = None) -> List[dict]:
        """The rows of one statement on ``conn`` (in a ``_transaction``), as dicts."""
        return conn.cursor(row_factory=dict_row).execute(sql, params).fetchall()

    def _fetch_all(self, sql: str, params: Any = None) -> List[dict]:
        with self._connection.connection() as conn:
            return self._query(conn, sql, params)

    def _fetch_one(self, sql: str, params: Any = None) -> Optional[dict]:
        with self._connection.connection() as conn:
            return conn.cursor(row_factory=dict_row).execute(sql, params).fetchone()

    def _execute(self, sql: str, params: Any = None) -> int:
        """Runs one statement; returns the rows it changed."""
        with self._connection.connection() as conn:
            return conn.execute(sql, params).rowcount

    # --- conversion and reads ------------------------------------------------------------------
    def _from_row(self, row: Optional[dict]) -> Optional[Any]:
        """The data object of a row whose columns are named as its fields."""
        return self._data_class(**row) if row is not None else None

    def _items(self, rows: List[dict]) -> List[Any]:
        return [self._from_row(row) for row in rows]

    def _page(self, where: str, params: Sequence, order_by: str, paging: Optional[PagingParams]) -> DataPage:
        """One page of ``SELECT * FROM table WHERE where ORDER BY order_by``, with the total if asked."""
        paging = paging if paging is not None else PagingParams()
        skip, take = paging.get_skip(0), paging.get_take(self._max_page_size)
        rows = self._fetch_all(f'SELECT * FROM {self.table()} WHERE {where} ORDER BY {order_by} '
                               'OFFSET %s LIMIT %s', [*params, skip, take])
        total = None
        if paging.total:
            total = self._fetch_one(f'SELECT count(*) AS n FROM {self.table()} WHERE {where}', params)['n']
        return DataPage(self._items(rows), total)
