"""Pending job callbacks in a PostgreSQL table beside the jobs table (``<jobs table>_outbox``), ordered by
key (creation order) so the oldest can be dropped when the outbox is over its bound."""
from typing import List, Optional

from psycopg.types.json import Jsonb

from service_background.common.persistence.postgres_document_persistence import PostgresDocumentPersistence
from service_background.jobs.persistence.callback_outbox_store import CallbackOutboxEntryV1, ICallbackOutboxStore


class CallbackOutboxPostgresStore(PostgresDocumentPersistence, ICallbackOutboxStore):
    """A row per pending callback, ``id`` its key; ``owner`` and ``touched_ms`` are columns (the doc's
    copies are not kept up to date), so a claim is one ``UPDATE`` over rows locked with SKIP LOCKED: racing
    processes each get other entries. Rows written before owners existed are touched 0: stale."""

    def __init__(self, table_name: str = 'jobs_outbox'):
        super().__init__(table_name, CallbackOutboxEntryV1)

    def _migrations(self) -> List[str]:
        t = self.table()
        return super()._migrations() + [
            f'ALTER TABLE {t} ADD COLUMN owner text, ADD COLUMN touched_ms bigint NOT NULL DEFAULT 0; '
            f'CREATE INDEX {t}_touched ON {t} (touched_ms); '
            f'CREATE INDEX {t}_owner ON {t} (owner, id)']

    def _from_row(self, row: Optional[dict]) -> Optional[CallbackOutboxEntryV1]:
        entry = super()._from_row(row)
        if entry is not None and 'touched_ms' in row:
            entry.owner, entry.touched_ms = row['owner'], row['touched_ms']
        return entry

    def add(self, entry: CallbackOutboxEntryV1) -> None:
        self._execute(f'INSERT INTO {self.table()} (id, doc, owner, touched_ms) VALUES (%s, %s, %s, %s)',
                      (entry.id, Jsonb(entry.to_json()), entry.owner, entry.touched_ms))

    def set_attempt(self, key: str, attempt: int) -> None:
        self.patch(None, key, {'attempt': attempt})

    def delete(self, key: str) -> None:
        self.delete_by_id(None, key)

    def oldest_keys(self, count: int, owner: Optional[str] = None) -> List[str]:
        t = self.table()
        if owner is None:
            rows = self._fetch_all(f'SELECT id FROM {t} ORDER BY id LIMIT %s', (max(0, count),))
        else:
            rows = self._fetch_all(f'SELECT id FROM {t} WHERE owner = %s ORDER BY id LIMIT %s', (owner, max(0, count)))
        return [row['id'] for row in rows]

    def count(self) -> int:
        return self.get_count_by_filter(None)

    def load_all(self) -> List[CallbackOutboxEntryV1]:
        return self._items(self._fetch_all(f'SELECT doc, owner, touched_ms FROM {self.table()} ORDER BY id'))

    def claim_stale(self, owner: str, now_ms: int, stale_before_ms: int, limit: int) -> List[CallbackOutboxEntryV1]:
        t = self.table()
        rows = self._fetch_all(
            f'UPDATE {t} SET owner = %s, touched_ms = %s WHERE id IN ('
            f'SELECT id FROM {t} WHERE touched_ms < %s AND owner IS DISTINCT FROM %s ORDER BY id LIMIT %s '
            'FOR UPDATE SKIP LOCKED) RETURNING id, doc, owner, touched_ms',
            (owner, now_ms, stale_before_ms, owner, max(0, limit)))
        return sorted(self._items(rows), key=lambda e: e.id)

    def renew(self, owner: str, now_ms: int) -> None:
        self._execute(f'UPDATE {self.table()} SET touched_ms = %s WHERE owner = %s', (now_ms, owner))

    def close(self, correlation_id: Optional[str] = None) -> None:
        super().close(correlation_id)
