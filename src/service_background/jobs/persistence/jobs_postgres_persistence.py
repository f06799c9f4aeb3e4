"""The jobs store on PostgreSQL, shared by every process: takes by FOR UPDATE SKIP LOCKED in one statement,
changes under row locks, unique and idempotent adds under advisory locks, wake-ups by LISTEN/NOTIFY."""
import threading
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import psycopg
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.data import DataPage, FilterParams, IdGenerator, PagingParams
from pip_services3_commons.errors import ConflictException
from pip_services3_commons.refer import IReferences

from service_background.common.data import clock
from service_background.common.persistence.postgres_persistence import PostgresPersistence
from service_background.common.persistence.postgres_statistics import PostgresStatistics
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.persistence.callback_outbox_postgres_store import CallbackOutboxPostgresStore
from service_background.jobs.persistence.i_jobs_persistence import Change, IJobsPersistence
from service_background.jobs.persistence.idempotency_keys import DEFAULT_TTL_MS, configured_ttl
from service_background.jobs.persistence.jobs_filter import parse_filter
from service_background.jobs.persistence.jobs_postgres_dependencies import JobsPostgresDependencies
from service_background.jobs.persistence.jobs_postgres_groups import JobsPostgresGroups
from service_background.jobs.persistence.jobs_postgres_keys import JobsPostgresKeys
from service_background.jobs.persistence.jobs_postgres_rows import (
    INSERT_SQL,
    QUEUED,
    READ_COLUMNS,
    RUNNING,
    UNFINISHED_SQL,
    UNIQ,
    cold_fields,
    decode_doc,
    job_of_row,
    jobs_of_rows,
    migrations,
    row_values,
    write_changes,
)
from service_background.jobs.persistence.jobs_postgres_signals import JobsPostgresSignals, Wake, takeable_counts
from service_background.jobs.persistence.jobs_postgres_takes import JobsPostgresTakes
from service_background.jobs.persistence.queue_limit_postgres_gate import QueueLimitPostgresGate
from service_background.jobs.persistence.unique_locks import keeps_lock

_ms = clock.to_epoch_ms
_SQL_OPERATORS = {'$eq': '=', '$gte': '>=', '$lt': '<', '$lte': '<='}
_DATE_COLUMNS = {'created', 'started', 'locked_until', 'execute_until', 'completed'}


class JobsPostgresPersistence(PostgresPersistence, IJobsPersistence):
    """Jobs in ``table`` (default "jobs"; rows: jobs_postgres_rows.py). Fenced leases: a take stamps a fresh
    ``lease_token`` in the statement that claims the row; every change reads the row FOR UPDATE and writes
    it in the same transaction, so a change decided on a lease that is gone sees the current token and
    lands nowhere. Side tables: ``<table>_keys`` (records of deleted keyed jobs), ``_groups`` and ``_clocks``
    (fair queues: jobs_postgres_groups.py), and those of the limit gate (``_slots``, ``_rates``) and the
    callback outbox (``_outbox``), components of their own that share this store's connection."""

    def __init__(self):
        super().__init__('jobs', JobV1)
        self._idem_ttl = DEFAULT_TTL_MS
        self._references: Optional[IReferences] = None
        self._signals = JobsPostgresSignals(self._logger)
        self._keys: Optional[JobsPostgresKeys] = None
        self._group_limits: Dict[str, int] = {}
        self._groups: Optional[JobsPostgresGroups] = None
        self._takes: Optional[JobsPostgresTakes] = None
        self._dependencies: Optional[JobsPostgresDependencies] = None
        self._parts_lock = threading.Lock()
        self._limit_gate: Optional[QueueLimitPostgresGate] = None
        self._outbox: Optional[CallbackOutboxPostgresStore] = None
        self._due_checked_ms: Optional[int] = None
        self._statistics = PostgresStatistics(self._analyze, on_error=lambda ex: self._logger.warn(
            None, f'ANALYZE of the jobs table failed: {ex}'))

    # --- lifecycle ----------------------------------------------------------------------------
    def configure(self, config: ConfigParams):
        super().configure(config)
        self._idem_ttl = configured_ttl(config)

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._references = references

    def open(self, correlation_id: Optional[str]):
        super().open(correlation_id)
        t = self.table()
        self._keys = JobsPostgresKeys(t, self._insert, self._idem_ttl)
        self._groups = JobsPostgresGroups(t, self._group_limits)
        self._takes = JobsPostgresTakes(t, self._connection.connection, self._groups)
        self._dependencies = JobsPostgresDependencies(t, self._fetch_rows)
        self._signals.open(t + '_queued', self._connection.conninfo())

    def close(self, correlation_id: Optional[str]):
        self._signals.close()
        with self._parts_lock:
            parts = [p for p in (self._limit_gate, self._outbox) if p is not None]
            self._limit_gate = self._outbox = None
        for part in parts:
            part.close(correlation_id)
        super().close(correlation_id)

    def _analyze(self) -> int:
        self._execute(f'ANALYZE {self.table()}')
        return self._fetch_rows('SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass',
                                (self.table(),))[0][0]

    def _migrations(self) -> List[str]:
        return migrations(self.table())

    def _tables(self) -> Sequence[str]:
        return [self.table(), self.table() + '_keys', *JobsPostgresGroups.tables_of(self.table())]

    def _open_part(self, part):
        """A side component on this store's connection, table prefix and settings."""
        config = ConfigParams(dict(self._config))
        config.pop('table', None)  # the part names its own table
        part.configure(config)
        if self._references is not None:
            part.set_references(self._references)
        part.open(None)
        return part

    def limit_gate(self) -> QueueLimitPostgresGate:
        with self._parts_lock:
            if self._limit_gate is None:
                self._limit_gate = self._open_part(QueueLimitPostgresGate(self._table_name, self.bump_signal))
            return self._limit_gate

    def callback_outbox_store(self) -> CallbackOutboxPostgresStore:
        """Pending callbacks in ``<table>_outbox`` (callback_outbox_store.py)."""
        with self._parts_lock:
            if self._outbox is None:
                self._outbox = self._open_part(CallbackOutboxPostgresStore(self._table_name + '_outbox'))
            return self._outbox

    # --- the cross-process queue signal (jobs_postgres_signals.py) ----------------------------
    def listen_queue_signals(self, wake: Wake):
        """Calls ``wake(type, n)`` when other processes make jobs takeable (``type`` None: any may be)."""
        self._signals.listen(wake)

    def wait_listening(self, timeout_s: float = 5.0) -> bool:
        return self._signals.wait_listening(timeout_s)

    def _notify(self, conn: psycopg.Connection, jobs: Sequence[Optional[JobV1]]):
        payload = self._signals.payload(takeable_counts(jobs))
        if payload is not None:
            conn.execute('SELECT pg_notify(%s, %s)', (self._signals.channel, payload))

    def bump_signal(self, type: str, n: int = 1):
        """Tells other processes' waiters of ``type`` to try again (queue limits: a slot freed)."""
        payload = self._signals.payload({type: n})
        self._execute('SELECT pg_notify(%s, %s)', (self._signals.channel, payload))

    # --- writes ---------------------------------------------------------------------------------
    def _insert(self, conn: psycopg.Connection, job: JobV1, uniq_key: Optional[str] = None):
        self._groups.assign_turns(conn, [job])
        try:
            conn.execute(INSERT_SQL.format(t=self.table()), row_values(job, uniq_key))
        except psycopg.errors.UniqueViolation as ex:
            raise _exists(job.id, ex)
        self._notify(conn, [job])

    def create(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        return self.create_many(correlation_id, [job])[0]

    def create_many(self, correlation_id: Optional[str], jobs: List[JobV1]) -> List[JobV1]:
        jobs = [self._with_id(job) for job in jobs]
        if not jobs:
            return jobs
        try:
            with self._pipelined_transaction() as conn:  # in a pipeline a duplicate id raises at the end
                self._groups.assign_turns(conn, jobs)
                with conn.cursor() as cursor:
                    cursor.executemany(INSERT_SQL.format(t=self.table()), [row_values(job, None) for job in jobs])
                self._notify(conn, jobs)
        except psycopg.errors.UniqueViolation as ex:
            raise _exists(', '.join(job.id for job in jobs[:5]), ex)
        self._statistics.rows_added(len(jobs))
        return jobs

    @staticmethod
    def _with_id(job: JobV1) -> JobV1:
        if job.id is None:
            job = job.clone()
            job.id = IdGenerator.next_long()
        return job

    def create_unless_ref_id_unfinished(self, correlation_id: Optional[str], job: JobV1) -> JobV1:
        with self._transaction() as conn:
            return self._keys.create_unless_ref_id_unfinished(conn, self._with_id(job), clock.now())

    def create_unless_key_locked(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        with self._transaction() as conn:
            return self._keys.create_unless_key_locked(conn, self._with_id(job), now)

    def create_idempotent(self, correlation_id: Optional[str], job: JobV1, now: datetime) -> JobV1:
        job = self._with_id(job)
        with self._transaction() as conn:
            self._keys.lock(conn, 'idem', job.idempotency_key)
            found = self._keys.find_keyed(conn, job.idempotency_key, now)
            if found is not None:
                return found
            if job.unique_key is not None:
                return self._keys.create_unless_key_locked(conn, job, now)
            self._insert(conn, job)
            return job

    def modify(self, correlation_id: Optional[str], id: str, change: Change) -> Optional[JobV1]:
        return self.modify_many(correlation_id, [id], change)[0]

    def modify_many(self, correlation_id: Optional[str], ids: List[str], change: Change) -> List[Optional[JobV1]]:
        """Reads every row FOR UPDATE (in id order: two callers never deadlock), applies ``change`` to each
        and writes, in one statement per set of changed columns, only the columns that changed; all in one
        transaction. A repeated id sees the first one's change; an unknown id gets ``change(None)`` and what
        it returns is inserted."""
        t = self.table()
        result: List[Optional[JobV1]] = []
        with self._pipelined_transaction() as conn:
            rows = conn.execute(f'SELECT {READ_COLUMNS} FROM {t} WHERE id = ANY(%s) ORDER BY id FOR UPDATE',
                                (list(set(ids)),)).fetchall()
            stored = {row[0]: (row, decode_doc(row)) for row in rows}
            latest: Dict[str, Tuple[JobV1, Tuple[Any, ...], Dict[str, Any]]] = {}
            woken: List[JobV1] = []
            for id in ids:
                if id in latest:
                    current: Optional[JobV1] = latest[id][0].clone()  # the first change's result stays as given
                else:
                    current = job_of_row(stored[id][0]) if id in stored else None  # a fresh copy already
                old_status = current.status if current is not None else None
                new = change(current)
                result.append(new)
                if new is None:
                    continue
                if old_status is None:
                    self._insert(conn, new)
                    latest[new.id] = (new, row_values(new, None), {})
                    continue
                held = (latest[id][1] if id in latest else stored[id][0])[UNIQ]
                kept = held if held is not None and (
                    keeps_lock(new) if new.unique_key is not None else new.status in (QUEUED, RUNNING)) else None
                cold = cold_fields(new)
                latest[id] = (new, row_values(new, kept, cold), cold)
                if new.status == QUEUED and old_status != QUEUED:
                    woken.append(new)
            write_changes(conn, t, [(stored[id], values, cold) for id, (_, values, cold) in latest.items()
                                    if id in stored])
            self._notify(conn, woken)
        return result

    def take(self, correlation_id: Optional[str], type: Optional[str], now: datetime,
             timeout: Optional[float], default_timeout: float, worker_id: Optional[str] = None) -> Optional[JobV1]:
        jobs = self.take_many(correlation_id, type, now, timeout, default_timeout, 1, worker_id)
        return jobs[0] if jobs else None

    def take_many(self, correlation_id: Optional[str], type: Optional[str], now: datetime, timeout: Optional[float],
                  default_timeout: float, limit: int, worker_id: Optional[str] = None) -> List[JobV1]:
        """The first due queued rows no other take holds (jobs_postgres_takes.py)."""
        return self._takes.take_many(type, now, timeout, default_timeout, limit, worker_id)

    @contextmanager
    def _pipelined_transaction(self) -> Iterator[psycopg.Connection]:
        """A transaction whose statements go out together until a result is read (BEGIN with the first
        statement, the last ones with COMMIT): two round trips for a read and a write."""
        with self._connection.connection() as conn, conn.pipeline(), conn.transaction():
            yield conn

    def _fetch_rows(self, sql: str, params: Any = None) -> List[tuple]:
        with self._connection.connection() as conn:
            return conn.execute(sql, params).fetchall()

    # --- reads ------------------------------------------------------------------------------------
    def get_one_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobV1]:
        rows = self._fetch_rows(f'SELECT {READ_COLUMNS} FROM {self.table()} WHERE id = %s', (id,))
        return job_of_row(rows[0]) if rows else None

    def get_list_by_ids(self, correlation_id: Optional[str], ids: List[str]) -> List[JobV1]:
        return jobs_of_rows(self._fetch_rows(f'SELECT {READ_COLUMNS} FROM {self.table()} WHERE id = ANY(%s)',
                                             (list(ids),))) if ids else []

    def get_cancel_requested_ids(self, correlation_id: Optional[str], ids: List[str]) -> List[str]:
        rows = self._fetch_rows(f"SELECT id FROM {self.table()} WHERE id = ANY(%s) AND (doc ? 'cancel_requested' "
                                f"OR status = '{JobStatusV1.Cancelled}')", (list(ids),)) if ids else []
        return [row[0] for row in rows]

    def get_page_by_filter(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                           paging: Optional[PagingParams]) -> DataPage:
        clauses, params = ['TRUE'], []
        for field, op, value in parse_filter(filter):
            column = field + '_ms' if field in _DATE_COLUMNS else field
            clauses.append(f'{column} {_SQL_OPERATORS[op]} %s')
            params.append(_ms(value) if isinstance(value, datetime) else value)
        where = ' AND '.join(clauses)
        paging = paging if paging is not None else PagingParams()
        skip, take = paging.get_skip(0), paging.get_take(self._max_page_size)
        rows = self._fetch_rows(f'SELECT {READ_COLUMNS} FROM {self.table()} WHERE {where} ORDER BY created_ms, id '
                                'OFFSET %s LIMIT %s', params + [skip, take])
        total = None
        if paging.total:
            total = self._fetch_rows(f'SELECT count(*) FROM {self.table()} WHERE {where}', params)[0][0]
        return DataPage(jobs_of_rows(rows), total)

    def pop_due_counts(self, correlation_id: Optional[str], now: datetime) -> Dict[str, int]:
        """Queued jobs per type whose not_before fell in (last call, now]: one query per tick per process."""
        now_ms = _ms(now)
        since, self._due_checked_ms = self._due_checked_ms, now_ms
        if since is None:
            return {}
        return dict(self._fetch_rows(
            f"SELECT type, count(*) FROM {self.table()} WHERE status = '{QUEUED}' AND not_before_ms > %s "
            'AND not_before_ms <= %s GROUP BY type', (since, now_ms)))

    def queued_types(self, now: datetime) -> List[str]:
        """The types with due queued jobs, best head first."""
        return [row[0] for row in self._fetch_rows(
            f"SELECT type FROM {self.table()} WHERE status = '{QUEUED}' AND not_before_ms <= %s GROUP BY type "
            'ORDER BY min(priority), min(created_ms)', (_ms(now),))]

    def unfinished_jobs(self) -> List[JobV1]:
        return jobs_of_rows(self._fetch_rows(f'SELECT {READ_COLUMNS} FROM {self.table()} WHERE {UNFINISHED_SQL}'))

    def get_expired_lease_ids(self, correlation_id: Optional[str], now: datetime, limit: int) -> List[str]:
        return [id for id, _ in self.get_expired_leases(correlation_id, now, limit)]

    def get_expired_leases(self, correlation_id: Optional[str], now: datetime,
                           limit: int) -> List[Tuple[str, Optional[str]]]:
        return [(row[0], row[1]) for row in self._fetch_rows(
            f"SELECT id, lease_token FROM {self.table()} WHERE status = '{RUNNING}' AND locked_until_ms <= %s "
            'LIMIT %s', (_ms(now), limit))]

    # --- dependencies and batches (jobs_postgres_dependencies.py) --------------------------------
    def get_waiting_children(self, correlation_id: Optional[str], parent_id: str) -> List[str]:
        return self._dependencies.waiting_children(parent_id)

    def get_waiting_children_many(self, correlation_id: Optional[str], parent_ids: List[str]) -> Dict[str, List[str]]:
        return self._dependencies.waiting_children_many(parent_ids)

    def get_waiting_jobs(self, correlation_id: Optional[str], limit: int) -> List[JobV1]:
        return self._dependencies.waiting_jobs(limit)

    def batch_has_unfinished(self, correlation_id: Optional[str], batch_id: str) -> bool:
        return self._dependencies.batch_has_unfinished(batch_id)

    def batch_counts(self, correlation_id: Optional[str], batch_id: str) -> Dict[str, int]:
        return self._dependencies.batch_counts(batch_id)

    # --- deletes ------------------------------------------------------------------------------------
    def _delete_where(self, where: str, params: Any, now: datetime) -> List[JobV1]:
        """Deletes the rows and keeps the records of their idempotency keys, in one transaction."""
        with self._transaction() as conn:
            gone = jobs_of_rows(conn.execute(f'DELETE FROM {self.table()} WHERE {where} RETURNING {READ_COLUMNS}',
                                             params).fetchall())
            self._keys.keep_records(conn, gone, now)
        return gone

    def delete_by_id(self, correlation_id: Optional[str], id: str) -> Optional[JobV1]:
        gone = self._delete_where('id = %s', (id,), clock.now())
        return gone[0] if gone else None

    def delete_all(self, correlation_id: Optional[str]) -> None:
        self._execute(f'TRUNCATE {", ".join(self._tables())}')

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        now_ms = _ms(now)
        deleted = len(self._delete_where(f'{UNFINISHED_SQL} AND execute_until_ms <= %s', (now_ms,), now))
        deleted += len(self._delete_where('remove_at_ms <= %s', (now_ms,), now))
        with self._transaction() as conn:
            self._keys.delete_expired(conn, now)
        return deleted

    # --- fair queues (jobs_postgres_groups.py; turns are given in create) ---------------------------
    def set_group_limits(self, limits: Dict[str, int]) -> None:
        self._group_limits = dict(limits)
        if self._groups is not None:
            self._groups.set_limits(self._group_limits)

    def get_group_counts(self, correlation_id: Optional[str], type: str, limit: int = 100) -> List[dict]:
        with self._connection.connection() as conn:
            return self._groups.counts(conn, type, limit)


def _exists(ids: str, cause: Exception) -> ConflictException:
    return ConflictException(None, 'JOB_EXISTS', f'A job of these ids already exists: {ids}').with_cause(cause)
