"""Unique locks and idempotency keys on PostgreSQL (unique_locks.py, idempotency_keys.py): a part of
JobsPostgresPersistence that works inside the store's transactions.

Adds of one key are serialized by a transaction-scoped advisory lock on the key, so the look for a
holder and the insert are one step across processes; the unique partial indexes on ``uniq_key`` and
``idem_key`` stay as the last guard. A keyed job deleted before its key's time is over leaves a record
in ``<jobs>_keys``, written in the transaction that deletes the job."""
from datetime import datetime
from typing import Callable, List, Optional

import msgspec
import psycopg

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.data.version1.idempotency_key_v1 import IdempotencyKeyV1
from service_background.jobs.persistence.idempotency_keys import job_of, record_of
from service_background.jobs.persistence.jobs_postgres_rows import (
    QUEUED,
    READ_COLUMNS,
    RUNNING,
    UNFINISHED_SQL,
    job_of_row,
)
from service_background.jobs.persistence.unique_locks import job_lock_key, lock_holds

Insert = Callable[[psycopg.Connection, JobV1, Optional[str]], None]  # (conn, job, its lock key)
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class JobsPostgresKeys:
    """``table`` names the jobs table; ``insert`` writes a job row (and its notice) on a connection."""

    def __init__(self, table: str, insert: Insert, ttl_ms: int):
        self._t = table
        self._keys = table + '_keys'
        self._insert = insert
        self._ttl_ms = ttl_ms

    def lock(self, conn: psycopg.Connection, kind: str, key: str):
        """Holds the advisory lock of ``key`` until the transaction ends (every process adding it waits)."""
        conn.execute('SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))', (f'{self._t}:{kind}:{key}',))

    # --- unique locks ------------------------------------------------------------------------
    def create_unless_ref_id_unfinished(self, conn: psycopg.Connection, job: JobV1, now: datetime) -> JobV1:
        if job.unique_key is None:
            job.unique_key, job.unique_until = job.ref_id, 'finished'
        self.lock(conn, 'uniq', job_lock_key(job))
        row = conn.execute(f'SELECT {READ_COLUMNS} FROM {self._t} WHERE type = %s AND ref_id = %s AND '
                           f'{UNFINISHED_SQL} LIMIT 1', (job.type, job.ref_id)).fetchone()
        if row is not None:
            return job_of_row(row)
        return self.create_unless_key_locked(conn, job, now, locked=True)

    def create_unless_key_locked(self, conn: psycopg.Connection, job: JobV1, now: datetime,
                                 locked: bool = False) -> JobV1:
        """``job`` inserted holding its key, unless the key's holder still holds it at ``now`` (returned);
        a holder whose lock ended gives up the key in the same transaction."""
        key = job_lock_key(job)
        if not locked:
            self.lock(conn, 'uniq', key)
        row = conn.execute(f'SELECT {READ_COLUMNS} FROM {self._t} WHERE uniq_key = %s', (key,)).fetchone()
        if row is not None:
            holder = job_of_row(row)
            if holder.unique_key is None and holder.status in (QUEUED, RUNNING):
                return holder  # add_uniq_job's lock from before unique lifetimes: held while unfinished
            if lock_holds(holder, now):
                return holder
            conn.execute(f'UPDATE {self._t} SET uniq_key = NULL WHERE id = %s', (holder.id,))
        self._insert(conn, job, key)
        return job

    # --- idempotency keys --------------------------------------------------------------------
    def find_keyed(self, conn: psycopg.Connection, key: str, now: datetime) -> Optional[JobV1]:
        """The live job added with ``key``, else the one its record keeps, else None."""
        row = conn.execute(f'SELECT {READ_COLUMNS} FROM {self._t} WHERE idem_key = %s', (key,)).fetchone()
        if row is not None:
            return job_of_row(row)
        row = conn.execute(f'SELECT doc::text FROM {self._keys} WHERE id = %s', (key,)).fetchone()
        return job_of(IdempotencyKeyV1.from_json(_decode(row[0])), now) if row is not None else None

    def keep_records(self, conn: psycopg.Connection, gone: List[JobV1], now: datetime):
        """Records for the keyed jobs of ``gone`` (deleted in this transaction) whose key's time is not over."""
        records = [r for r in (record_of(job, now, self._ttl_ms) for job in gone if job.idempotency_key) if r]
        if records:
            with conn.cursor() as cursor:
                cursor.executemany(
                    f'INSERT INTO {self._keys} (id, expires_ms, doc) VALUES (%s, %s, %s::jsonb) '
                    'ON CONFLICT (id) DO UPDATE SET expires_ms = excluded.expires_ms, doc = excluded.doc',
                    [(r.id, clock.to_epoch_ms(r.expires), _encode(r.to_json()).decode()) for r in records])

    def delete_expired(self, conn: psycopg.Connection, now: datetime) -> int:
        return conn.execute(f'DELETE FROM {self._keys} WHERE expires_ms <= %s', (clock.to_epoch_ms(now),)).rowcount
