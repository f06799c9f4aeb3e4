"""What every database connection (MongoDB, PostgreSQL) tells callers and /status when the database does
not answer: the 503 DATABASE_UNAVAILABLE error and the health seen from recent calls."""
import threading
import time
from typing import Optional

from pip_services3_commons.errors import ConnectionException


class DatabaseUnavailableException(ConnectionException):
    """503: the database did not answer within the configured timeout. Retry later."""

    def __init__(self, correlation_id: Optional[str] = None, message: str = 'The database is unavailable'):
        super().__init__(correlation_id, 'DATABASE_UNAVAILABLE', message)
        self.status = 503


def unavailable(error: BaseException, correlation_id: Optional[str] = None) -> DatabaseUnavailableException:
    ex = DatabaseUnavailableException(correlation_id, f'The database did not answer: {type(error).__name__}')
    ex.with_cause(error)
    return ex


class DatabaseHealth:
    """Up or down from what calls saw lately: down since a failure no success has followed (no I/O)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last_failure: Optional[float] = None
        self._last_error: Optional[str] = None
        self._last_success: Optional[float] = None

    def report_failure(self, error: BaseException):
        with self._lock:
            self._last_failure = time.monotonic()
            self._last_error = f'{type(error).__name__}: {error}'[:300]

    def report_success(self):
        self._last_success = time.monotonic()

    def describe(self, database: str, reachable: bool = True) -> dict:
        """``{"status": "up"|"down", "database": ..., "error": ... when down}``; ``reachable``: what the
        driver's own monitor says, when it has one."""
        with self._lock:
            failed, error = self._last_failure, self._last_error
        succeeded = self._last_success
        down = (failed is not None and (succeeded is None or failed >= succeeded)) or not reachable
        result: dict = {'status': 'down' if down else 'up', 'database': database}
        if down:
            result['error'] = error or 'no reachable server'
        return result
