"""pip-services3-postgres's rows of bench/postgres_drivers.py: its driver psycopg2 with the pool the package opens,
and its IdentifiablePostgresPersistence doing the INSERT through ``create``. Importing this installs the package."""
from importlib import metadata
from urllib.parse import urlsplit

from benchlib import ensure_pip

ensure_pip('pip_services3_postgres', 'pip-services3-postgres>=3.2,<4')
import psycopg2  # noqa: E402
import psycopg2.pool  # noqa: E402
from pip_services3_commons.config import ConfigParams  # noqa: E402
from pip_services3_postgres.connect import PostgresConnection  # noqa: E402
from pip_services3_postgres.persistence import IdentifiablePostgresPersistence  # noqa: E402

TABLE = 'bench_pip'
# the persistence's ids are IdGenerator's 32-hex strings, so its table has a text key
TABLE_SCHEMA = f'CREATE TABLE {TABLE} (id text PRIMARY KEY, queue text NOT NULL, state text NOT NULL, payload text)'
TABLE_INDEX = f"CREATE INDEX {TABLE}_ready ON {TABLE} (queue, id) WHERE state = 'ready'"


def versions() -> str:
    return (f"pip-services3-postgres {metadata.version('pip-services3-postgres')}, "
            f'psycopg2 {psycopg2.__version__.split()[0]}')


def _config(uri: str, callers: int) -> ConfigParams:
    """The package's settings for the bench's cluster: its resolver wants host, port and database, not a URI."""
    parts = urlsplit(uri)
    return ConfigParams.from_tuples(
        'connection.host', parts.hostname, 'connection.port', parts.port,
        'connection.database', parts.path.lstrip('/'), 'credential.username', parts.username,
        'options.max_pool_size', callers)


def _pooled_call(pool, sql: str, args):
    query = sql.format('%s', '%s')

    def one(_):
        conn = pool.getconn()
        try:
            conn.autocommit = True  # one round trip per statement, as the psycopg 3 rows do
            with conn.cursor() as cursor:
                cursor.execute(query, args)
                cursor.fetchone()
        finally:
            pool.putconn(conn)
    return one


def psycopg2_its_pool(uri: str, callers: int, sql: str, args):
    """psycopg2's ThreadedConnectionPool as PostgresConnection opens it (keeps 1 idle, closes the rest)."""
    connection = PostgresConnection()
    connection.configure(_config(uri, callers))
    connection.open(None)
    if not connection.is_open():  # it logs a failed connect instead of raising
        raise RuntimeError('pip-services3-postgres could not connect')
    return _pooled_call(connection.get_connection(), sql, args), lambda: connection.close(None)


def psycopg2_kept_pool(uri: str, callers: int, sql: str, args):
    """The same driver and pool class keeping every connection: the driver without the package's pool setting."""
    pool = psycopg2.pool.ThreadedConnectionPool(callers, callers, uri)
    return _pooled_call(pool, sql, args), pool.closeall


class BenchRow:
    """A job row as the persistence sees it: public attributes, its id generated on create."""

    def __init__(self, queue: str, payload: str):
        self.id = None
        self.queue = queue
        self.state = 'ready'
        self.payload = payload


class BenchRowsPersistence(IdentifiablePostgresPersistence):
    """The package's CRUD base over the bench's table, created on open the way the package defines schemas."""

    def __init__(self):
        super().__init__(TABLE)

    def _define_schema(self):
        self._clear_schema()
        self._ensure_schema(TABLE_SCHEMA)
        self._ensure_schema(TABLE_INDEX)


def persistence_create(uri: str, callers: int, sql: str, args):
    """INSERT through the persistence's ``create`` (``sql`` is the other rows' INSERT; the base builds its own)."""
    persistence = BenchRowsPersistence()
    persistence.configure(_config(uri, callers))
    persistence.open(None)
    row = BenchRow(*args)

    def one(_):
        persistence.create(None, row)
    return one, lambda: persistence.close(None)
