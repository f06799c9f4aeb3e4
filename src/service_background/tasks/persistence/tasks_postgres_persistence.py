"""The tasks store on PostgreSQL: captures take rows with FOR UPDATE SKIP LOCKED, releases fence leases
in the same transaction as their write."""
from typing import Dict, List, Optional, Sequence

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import ConflictException

from service_background.common.persistence.postgres_persistence import PostgresPersistence
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskStatusV1, TaskV1
from service_background.tasks.persistence.i_tasks_persistence import ITasksPersistence

_READY = f"status IN ({', '.join(repr(s) for s in TaskStatusV1.Capturable)}) AND retries_left > 0"  # is_ready


class TasksPostgresPersistence(PostgresPersistence, ITasksPersistence):
    """Tasks in ``table`` (default "tasks"), namespaces in ``namespaces_table`` (default
    "tasks_namespaces"). A partial index holds the ready tasks per namespace, oldest updated first (the
    capture's order), another the tasks in progress (the sweeper's)."""

    def __init__(self):
        super().__init__('tasks', TaskV1)
        self._namespaces_table = 'tasks_namespaces'

    def configure(self, config: ConfigParams):
        super().configure(config)
        self._namespaces_table = config.get_as_string_with_default('namespaces_table', self._namespaces_table)

    def _tables(self) -> Sequence[str]:
        return [self.table(), self.table(self._namespaces_table)]

    def _migrations(self) -> List[str]:
        t, ns = self._tables()
        return [f'CREATE TABLE {ns} (id text PRIMARY KEY); '
                f'CREATE TABLE {t} (id text PRIMARY KEY, namespace_id text NOT NULL, timeout bigint NOT NULL, '
                'retries_left integer NOT NULL, updated_at bigint NOT NULL, status text NOT NULL, lease_token text); '
                f'CREATE INDEX {t}_namespace ON {t} (namespace_id, updated_at, id); '
                f'CREATE INDEX {t}_ready ON {t} (namespace_id, updated_at, id) WHERE {_READY}; '
                f"CREATE INDEX {t}_in_progress ON {t} (updated_at) WHERE status = 'in_progress'"]

    # --- namespaces -------------------------------------------------------------------------
    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return [NamespaceV1(row['id']) for row in
                self._fetch_all(f'SELECT id FROM {self._tables()[1]} ORDER BY id')]

    def get_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        row = self._fetch_one(f'SELECT id FROM {self._tables()[1]} WHERE id = %s', (id,))
        return NamespaceV1(row['id']) if row is not None else None

    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        if not self._execute(f'INSERT INTO {self._tables()[1]} (id) VALUES (%s) ON CONFLICT DO NOTHING',
                             (namespace.id,)):
            raise ConflictException(correlation_id, 'NAMESPACE_EXISTS',
                                    f'Namespace {namespace.id} already exists').with_details('id', namespace.id)
        return NamespaceV1(namespace.id)

    def delete_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        t, ns = self._tables()
        with self._transaction() as conn:
            row = conn.execute(f'DELETE FROM {ns} WHERE id = %s RETURNING id', (id,)).fetchone()
            conn.execute(f'DELETE FROM {t} WHERE namespace_id = %s', (id,))
        return NamespaceV1(row[0]) if row is not None else None

    # --- tasks ------------------------------------------------------------------------------
    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        return self._items(self._fetch_all(
            f'SELECT * FROM {self.table()} WHERE namespace_id = %s ORDER BY updated_at, id', (namespace_id,)))

    def get_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]:
        return self._from_row(self._fetch_one(f'SELECT * FROM {self.table()} WHERE id = %s', (id,)))

    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        row = self._fetch_one(
            f'INSERT INTO {self.table()} (id, namespace_id, timeout, retries_left, updated_at, status, lease_token) '
            'VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING *',
            (task.id, task.namespace_id, task.timeout, task.retries_left, task.updated_at, task.status,
             task.lease_token))
        if row is None:
            raise ConflictException(correlation_id, 'TASK_EXISTS',
                                    f'Task {task.id} already exists').with_details('id', task.id)
        return self._from_row(row)

    def delete_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]:
        return self._from_row(self._fetch_one(f'DELETE FROM {self.table()} WHERE id = %s RETURNING *', (id,)))

    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int,
                      now: int) -> List[TaskV1]:
        # one statement: the oldest ready rows no other capture holds, changed and returned with their
        # old updated_at, which gives back the capture's order
        t = self.table()
        rows = self._fetch_all(
            f'WITH picked AS (SELECT id, updated_at FROM {t} WHERE namespace_id = %s AND {_READY} '
            'ORDER BY updated_at, id LIMIT %s FOR UPDATE SKIP LOCKED) '
            f"UPDATE {t} AS t SET status = 'in_progress', retries_left = t.retries_left - 1, updated_at = %s, "
            "lease_token = left(md5(gen_random_uuid()::text), 24) FROM picked WHERE t.id = picked.id "
            'RETURNING t.*, picked.updated_at AS picked_at', (namespace_id, limit, now))
        rows.sort(key=lambda row: (row.pop('picked_at'), row['id']))
        return self._items(rows)

    def release_tasks(self, correlation_id: Optional[str], ids: List[str], status: str,
                      now: int, lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        t = self.table()
        tokens = {id: token for id, token in (lease_tokens or {}).items() if token is not None}
        with self._transaction() as conn:
            if tokens:  # the fenced rows locked, checked and written in one transaction: all or nothing
                held = dict(conn.execute(f'SELECT id, lease_token FROM {t} WHERE id = ANY(%s) ORDER BY id '
                                         'FOR UPDATE', (list(tokens),)).fetchall())
                lost = [id for id, token in tokens.items() if id in held and held[id] != token]
                if lost:
                    raise ConflictException(correlation_id, 'LEASE_LOST',
                                            f'Tasks no longer held with these leases: {", ".join(lost[:20])}') \
                        .with_details('task_ids', lost)
            rows = self._query(conn, f'UPDATE {t} SET status = %s, updated_at = %s, lease_token = NULL '
                               'WHERE id = ANY(%s) RETURNING *', (status, now, list(ids)))
        by_id = {row['id']: row for row in rows}
        result = TasksReleaseV1()
        for id in ids:
            if id in by_id:
                result.list.append(self._from_row(by_id[id]))
            else:
                result.not_found.append(id)
        return result

    def sweep(self, correlation_id: Optional[str], now: int) -> int:
        # the WHERE re-checks state and age in the write itself: a task captured since is not swept
        return self._execute(
            f"UPDATE {self.table()} SET status = CASE WHEN retries_left > 0 THEN 'idle' ELSE 'failed' END, "
            "updated_at = %s, lease_token = NULL WHERE status = 'in_progress' AND updated_at < %s - timeout",
            (now, now))
