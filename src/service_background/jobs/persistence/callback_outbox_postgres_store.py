"""Pending job callbacks in a PostgreSQL table beside the jobs table (``<jobs table>_outbox``), ordered by
key (creation order) so the oldest can be dropped when the outbox is over its bound."""
from typing import List, Optional

from service_background.common.persistence.postgres_document_persistence import PostgresDocumentPersistence
from service_background.jobs.persistence.callback_outbox_store import CallbackOutboxEntryV1, ICallbackOutboxStore


class CallbackOutboxPostgresStore(PostgresDocumentPersistence, ICallbackOutboxStore):
    """A row per pending callback, ``id`` its key. Each process re-sends, at start, every entry it finds
    (as on MongoDB), so entries are never claimed."""

    def __init__(self, table_name: str = 'jobs_outbox'):
        super().__init__(table_name, CallbackOutboxEntryV1)

    def add(self, entry: CallbackOutboxEntryV1) -> None:
        self.create(None, entry)

    def set_attempt(self, key: str, attempt: int) -> None:
        self.patch(None, key, {'attempt': attempt})

    def delete(self, key: str) -> None:
        self.delete_by_id(None, key)

    def oldest_keys(self, count: int) -> List[str]:
        return [row['id'] for row in self._fetch_all(f'SELECT id FROM {self.table()} ORDER BY id LIMIT %s',
                                                     (max(0, count),))]

    def count(self) -> int:
        return self.get_count_by_filter(None)

    def load_all(self) -> List[CallbackOutboxEntryV1]:
        return self.get_list_by_filter(None)

    def close(self, correlation_id: Optional[str] = None) -> None:
        super().close(correlation_id)
