"""A PostgreSQL store of one data class by its id: a row ``(id, doc)`` per item, ``doc`` the item's JSON
(dates as ISO text), with the calls the memory and MongoDB bases offer the small stores."""
from typing import Any, Callable, List, Optional

from pip_services3_commons.data import IdGenerator
from psycopg.types.json import Jsonb

from service_background.common.data.data_object import json_value
from service_background.common.persistence.postgres_persistence import PostgresPersistence


class PostgresDocumentPersistence(PostgresPersistence):
    """Table ``table`` (the store's default otherwise): ``id`` the primary key, compared byte-wise (the
    list order, as Python sorts str), ``doc`` jsonb. A filter is a dict of fields and the JSON values a
    doc must have (jsonb containment)."""

    def _migrations(self) -> List[str]:
        return [f'CREATE TABLE {self.table()} (id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)']

    # --- conversion ---------------------------------------------------------------------------
    def _from_row(self, row: Optional[dict]) -> Optional[Any]:
        return self._data_class.from_json(row['doc']) if row is not None else None

    def _typed(self, item: Any) -> Any:
        """A typed copy of ``item`` (a data object or its JSON), with an id made for it when it has none."""
        item = self._data_class.from_json(item) if isinstance(item, dict) else item.clone()
        if item.id is None:
            item.id = IdGenerator.next_long()
        return item

    @staticmethod
    def _json(fields: dict) -> Jsonb:
        return Jsonb({name: json_value(value) for name, value in fields.items()})

    # --- reads --------------------------------------------------------------------------------
    def get_one_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self._from_row(self._fetch_one(f'SELECT doc FROM {self.table()} WHERE id = %s', (id,)))

    def get_list_by_filter(self, correlation_id: Optional[str], filter: Optional[dict] = None,
                           sort: Optional[Callable] = None, select: Any = None) -> List[Any]:
        """The items whose docs contain ``filter`` (every item when None) by id, or by the key ``sort``;
        whole items (``select`` is there for the interfaces' signature)."""
        if filter:
            rows = self._fetch_all(f'SELECT doc FROM {self.table()} WHERE doc @> %s ORDER BY id',
                                   (self._json(filter),))
        else:
            rows = self._fetch_all(f'SELECT doc FROM {self.table()} ORDER BY id')
        items = self._items(rows)
        if sort is not None:
            items.sort(key=sort)
        return items

    def get_count_by_filter(self, correlation_id: Optional[str], filter: Optional[dict] = None) -> int:
        if filter:
            return self._fetch_one(f'SELECT count(*) AS n FROM {self.table()} WHERE doc @> %s',
                                   (self._json(filter),))['n']
        return self._fetch_one(f'SELECT count(*) AS n FROM {self.table()}')['n']

    # --- writes -------------------------------------------------------------------------------
    def create(self, correlation_id: Optional[str], item: Any) -> Any:
        """Inserts ``item``; an id already stored raises (psycopg's UniqueViolation), as on MongoDB."""
        item = self._typed(item)
        self._execute(f'INSERT INTO {self.table()} (id, doc) VALUES (%s, %s)', (item.id, Jsonb(item.to_json())))
        return item

    def set(self, correlation_id: Optional[str], item: Any) -> Any:
        """Inserts ``item`` or replaces the stored item of its id."""
        item = self._typed(item)
        self._execute(f'INSERT INTO {self.table()} (id, doc) VALUES (%s, %s) '
                      'ON CONFLICT (id) DO UPDATE SET doc = excluded.doc', (item.id, Jsonb(item.to_json())))
        return item

    def update(self, correlation_id: Optional[str], item: Any) -> Optional[Any]:
        """Replaces the stored item of ``item``'s id; None when there is none."""
        item = self._data_class.from_json(item) if isinstance(item, dict) else item.clone()
        changed = self._execute(f'UPDATE {self.table()} SET doc = %s WHERE id = %s', (Jsonb(item.to_json()), item.id))
        return item if changed else None

    def patch(self, correlation_id: Optional[str], id: Any, fields: dict,
              condition: Optional[dict] = None) -> Optional[Any]:
        """Sets ``fields`` on the stored item if its doc contains ``condition``, in one statement (the
        atomic claim step); the item after the change, or None."""
        return self._from_row(self._fetch_one(
            f'UPDATE {self.table()} SET doc = doc || %s WHERE id = %s AND doc @> %s RETURNING doc',
            (self._json(fields), id, self._json(condition or {}))))

    def delete_by_id(self, correlation_id: Optional[str], id: Any) -> Optional[Any]:
        return self._from_row(self._fetch_one(f'DELETE FROM {self.table()} WHERE id = %s RETURNING doc', (id,)))

    def delete_all(self, correlation_id: Optional[str]) -> None:
        self._execute(f'DELETE FROM {self.table()}')
