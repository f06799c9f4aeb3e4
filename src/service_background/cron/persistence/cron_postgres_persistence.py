"""The base of the cron stores on PostgreSQL: a column per field of the store's data class, and the
inserts, updates, key lookups and deletes every cron table makes the same way."""
from decimal import Decimal
from typing import Any, List, Optional, Sequence

import psycopg
from pip_services3_commons.data import IdGenerator
from psycopg.types.json import Json

from service_background.common.persistence.postgres_persistence import PostgresPersistence

# Keys and names the stores sort by compare byte-wise, as Python sorts str, whatever the database's locale.
TEXT_KEY = 'text COLLATE "C"'
# Numbers a client may send as int or float (timeouts, exec_time): numeric keeps either exactly (a float
# is written as the Decimal of its repr, so it reads back as the same float; float8 would turn ints to floats).
NUMBER = 'numeric'


def _number(value: Decimal) -> Any:
    """A numeric column's value as the int or float it was written as (3 -> 3, 3.0 -> 3.0, 2.5 -> 2.5)."""
    return float(value) if value.as_tuple().exponent < 0 else int(value)


class CronPostgresPersistence(PostgresPersistence):
    """A table whose columns are named as the fields of ``data_class``; ``key`` lists the primary key's
    columns. Dicts (a job's last_result) are json, not jsonb, so their keys keep their order; numbers come
    back as the int or float they were."""

    def __init__(self, table_name: str, data_class: type, key: Sequence[str]):
        super().__init__(table_name, data_class)
        self._key = tuple(key)
        self._columns = tuple(data_class.field_names())

    # --- conversion ---------------------------------------------------------------------------
    def _from_row(self, row: Optional[dict]) -> Optional[Any]:
        if row is None:
            return None
        for name, value in row.items():
            if value.__class__ is Decimal:
                row[name] = _number(value)
        return self._data_class(**row)

    @staticmethod
    def _param(value: Any) -> Any:
        if value.__class__ is float:
            return Decimal(repr(value))
        return Json(value) if isinstance(value, (dict, list)) else value

    def _assignments(self, fields: dict) -> tuple:
        """``a = %s, b = %s`` and its values for ``fields`` (only the data class's fields)."""
        unknown = [name for name in fields if name not in self._columns]
        if unknown:
            raise ValueError(f'Not fields of {self._data_class.__name__}: {", ".join(unknown)}')
        return ', '.join(f'{name} = %s' for name in fields), [self._param(v) for v in fields.values()]

    def _key_where(self) -> str:
        return ' AND '.join(f'{name} = %s' for name in self._key)

    @staticmethod
    def _with_id(item: Any) -> Any:
        """A copy of ``item`` with an id made for it when it has none (runs, dispatches)."""
        item = item.clone()
        item.id = item.id or IdGenerator.next_long()
        return item

    # --- writes -------------------------------------------------------------------------------
    def _insert(self, item: Any, replace: bool, conn: Optional[psycopg.Connection] = None) -> Optional[Any]:
        """Inserts ``item`` (on ``conn`` when in a ``_transaction``); when its key is taken, replaces that
        row if ``replace``, else returns None."""
        columns = ', '.join(self._columns)
        if replace:
            conflict = 'DO UPDATE SET ' + ', '.join(f'{c} = excluded.{c}' for c in self._columns if c not in self._key)
        else:
            conflict = 'DO NOTHING'
        sql = (f'INSERT INTO {self.table()} ({columns}) VALUES ({", ".join(["%s"] * len(self._columns))}) '
               f'ON CONFLICT ({", ".join(self._key)}) {conflict} RETURNING *')
        params = [self._param(getattr(item, c)) for c in self._columns]
        if conn is not None:
            return self._from_row(next(iter(self._query(conn, sql, params)), None))
        return self._from_row(self._fetch_one(sql, params))

    def _update(self, fields: dict, where: str, params: Sequence) -> Optional[Any]:
        """Sets ``fields`` on the one row ``where`` selects, in one statement; the row after, or None."""
        if not fields:
            return self._from_row(self._fetch_one(f'SELECT * FROM {self.table()} WHERE {where}', params))
        assignments, values = self._assignments(fields)
        return self._from_row(self._fetch_one(
            f'UPDATE {self.table()} SET {assignments} WHERE {where} RETURNING *', [*values, *params]))

    def _update_by_key(self, key: Sequence, fields: dict) -> Optional[Any]:
        return self._update(fields, self._key_where(), key)

    def _delete_by_key(self, key: Sequence) -> Optional[Any]:
        return self._from_row(self._fetch_one(f'DELETE FROM {self.table()} WHERE {self._key_where()} RETURNING *',
                                              key))

    def _delete_where(self, where: str, params: Sequence) -> int:
        return self._execute(f'DELETE FROM {self.table()} WHERE {where}', params)

    # --- reads --------------------------------------------------------------------------------
    def _get_by_key(self, key: Sequence) -> Optional[Any]:
        return self._from_row(self._fetch_one(f'SELECT * FROM {self.table()} WHERE {self._key_where()}', key))

    def _list(self, where: str, params: Sequence, order_by: str) -> List[Any]:
        return self._items(self._fetch_all(f'SELECT * FROM {self.table()} WHERE {where} ORDER BY {order_by}',
                                           params))
