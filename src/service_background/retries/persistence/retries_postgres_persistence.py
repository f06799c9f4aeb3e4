"""The retries store on PostgreSQL: one row per (group, id), attempts counted by INSERT ... ON CONFLICT."""
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.common.persistence.postgres_persistence import PostgresPersistence
from service_background.retries.data.version1 import RetryV1
from service_background.retries.persistence.i_retries_persistence import IRetriesPersistence
from service_background.retries.persistence.retries_filter import parse_filter

_COLUMNS = '"group", id, attempt_count, last_attempt_time, expiration_time, idempotency_key'


class RetriesPostgresPersistence(PostgresPersistence, IRetriesPersistence):
    """Table ``table`` (default "retries"): the primary key (group, id) serves lookups, group names and
    the pages' order; an index on expiration_time serves the cleaner."""

    def __init__(self):
        super().__init__('retries', RetryV1)

    def _migrations(self) -> List[str]:
        t = self.table()
        return [f'CREATE TABLE {t} ("group" text NOT NULL, id text NOT NULL, attempt_count bigint NOT NULL, '
                'last_attempt_time timestamptz, expiration_time timestamptz, idempotency_key text, '
                f'PRIMARY KEY ("group", id)); '
                f'CREATE INDEX {t}_expiration ON {t} (expiration_time)']

    def _upsert(self, rows_sql: str, key_guard: str) -> str:
        """INSERT of ``rows_sql`` counting one attempt more on every row that exists (where ``key_guard``)."""
        t = self.table()
        return (f'INSERT INTO {t} AS r ({_COLUMNS}) {rows_sql} ON CONFLICT ("group", id) DO UPDATE SET '
                'attempt_count = r.attempt_count + 1, last_attempt_time = excluded.last_attempt_time, '
                'expiration_time = excluded.expiration_time, idempotency_key = excluded.idempotency_key '
                f'{key_guard} RETURNING r.*')

    def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        return [row['group'] for row in self._fetch_all(f'SELECT DISTINCT "group" FROM {self.table()} ORDER BY 1')]

    def get_page_by_filter(self, correlation_id: Optional[str], filter: FilterParams,
                           paging: PagingParams) -> DataPage:
        wanted = parse_filter(filter)
        where = ' AND '.join([f'"{column}" = %s' for column in wanted] or ['true'])
        return self._page(where, list(wanted.values()), '"group", id', paging)

    def get_one_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]:
        return self._from_row(self._fetch_one(f'SELECT * FROM {self.table()} WHERE "group" = %s AND id = %s',
                                              (group, id)))

    def get_list_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        rows = self._fetch_all(f'SELECT * FROM {self.table()} WHERE "group" = %s AND id = ANY(%s)', (group, ids))
        by_id = {row['id']: row for row in rows}
        return [self._from_row(by_id[id]) for id in ids if id in by_id]

    def add_attempt(self, correlation_id: Optional[str], group: str, id: str, now: datetime,
                    expiration_time: datetime, key: Optional[str] = None) -> RetryV1:
        # with a key, a row whose last counted attempt had that key is left alone: nothing returned
        guard = 'WHERE r.idempotency_key IS DISTINCT FROM excluded.idempotency_key' if key is not None else ''
        row = self._fetch_one(self._upsert('VALUES (%s, %s, 1, %s, %s, %s)', guard),
                              (group, id, now, expiration_time, key))
        return self._from_row(row) if row is not None else self.get_one_by_ids(correlation_id, group, id)

    def add_attempts(self, correlation_id: Optional[str], group: str, ids: List[str], now: datetime,
                     expiration_time: datetime) -> List[RetryV1]:
        """One statement for all ids. An id listed twice falls back to one call per id (each copy must
        see its own count; one INSERT cannot touch a row twice)."""
        if len(set(ids)) != len(ids) or len(ids) < 2:
            return super().add_attempts(correlation_id, group, ids, now, expiration_time)
        rows = self._fetch_all(
            self._upsert('SELECT %s, id, 1, %s::timestamptz, %s::timestamptz, NULL FROM unnest(%s::text[]) AS id', ''),
            (group, now, expiration_time, ids))
        by_id = {row['id']: row for row in rows}
        return [self._from_row(by_id[id]) for id in ids]

    def delete_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]:
        return self._from_row(self._fetch_one(
            f'DELETE FROM {self.table()} WHERE "group" = %s AND id = %s RETURNING *', (group, id)))

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        return self._execute(f'DELETE FROM {self.table()} WHERE expiration_time <= %s', (now,))
