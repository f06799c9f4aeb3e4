"""How a job is a row of the PostgreSQL jobs table: its schema (versioned migrations), the columns a write
sets and the conversion of a read row back to a JobV1.

The fields queries, takes and finishes use are columns; the rest of the job (params, result, errors,
options) is JSON in ``doc``. A take or a finish without a result changes columns only, and a write sets
only the columns that changed, so most changes rewrite no JSON. Dates are epoch ms (``*_ms``), as the
MongoDB store's twins; ``seq`` orders jobs of one millisecond in the order they were added."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

import msgspec
import psycopg

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1

QUEUED, RUNNING = JobStatusV1.Queued, JobStatusV1.Running
UNFINISHED_SQL = f"status IN ('{QUEUED}', '{RUNNING}')"  # the condition of an unfinished job

# the job fields kept as columns, in column order: (field, column, SQL type of its column); the rest is ``doc``
COLUMNS = (('id', 'id', 'text'), ('type', 'type', 'text'), ('status', 'status', 'text'),
           ('priority', 'priority', 'integer'), ('created', 'created_ms', 'bigint'),
           ('not_before', 'not_before_ms', 'bigint'), ('started', 'started_ms', 'bigint'),
           ('locked_until', 'locked_until_ms', 'bigint'), ('completed', 'completed_ms', 'bigint'),
           ('execute_until', 'execute_until_ms', 'bigint'), ('remove_at', 'remove_at_ms', 'bigint'),
           ('retries', 'retries', 'integer'), ('lease_token', 'lease_token', 'text'), ('timeout', 'timeout', 'bigint'),
           ('ref_id', 'ref_id', 'text'), ('batch_id', 'batch_id', 'text'), ('waiting_on', 'waiting_on', 'text[]'),
           ('unique_until', 'unique_until', 'text'), ('idempotency_key', 'idem_key', 'text'),
           ('worker_id', 'worker_id', 'text'), ('group_key', 'group_key', 'text'),
           ('group_turn', 'group_turn', 'bigint'))
_DATES = frozenset(i for i, (field, column, _) in enumerate(COLUMNS) if column.endswith('_ms'))
_IN_COLUMNS = frozenset(field for field, _, _ in COLUMNS)
_COLD_DATES = JobV1.date_fields() - _IN_COLUMNS
UNIQ, DOC = len(COLUMNS), len(COLUMNS) + 1  # the row's lock key and JSON, after the fields' columns
WRITE_COLUMNS = tuple(column for _, column, _ in COLUMNS) + ('uniq_key', 'doc')
READ_COLUMNS = ', '.join(WRITE_COLUMNS[:-1]) + ', doc::text'  # what every read selects (``job_of_row``)
INSERT_SQL = (f'INSERT INTO {{t}} ({", ".join(WRITE_COLUMNS)}) '
              f'VALUES ({", ".join(["%s"] * (len(WRITE_COLUMNS) - 1))}, %s::jsonb)')
_TYPES = tuple(sql for _, _, sql in COLUMNS) + ('text', 'text')

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


def migrations(t: str) -> List[str]:
    """Version by version (append only). The partial indexes hold what a query looks for: queued jobs in
    take order per type and for any type, running jobs by lease end, queued jobs by due time."""
    return [
        f'CREATE TABLE {t} (id text PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY, type text NOT NULL, '
        'status text NOT NULL, priority integer NOT NULL, created_ms bigint, not_before_ms bigint NOT NULL, '
        'started_ms bigint, locked_until_ms bigint, completed_ms bigint, execute_until_ms bigint, remove_at_ms bigint, '
        'retries integer NOT NULL, lease_token text, timeout bigint, ref_id text, batch_id text, waiting_on text[], '
        'unique_until text, uniq_key text, idem_key text, doc jsonb NOT NULL); '
        f"CREATE INDEX {t}_takeable ON {t} (type, priority, created_ms, seq) WHERE status = '{QUEUED}'; "
        f"CREATE INDEX {t}_takeable_any ON {t} (priority, created_ms, seq) WHERE status = '{QUEUED}'; "
        f"CREATE INDEX {t}_due ON {t} (not_before_ms) WHERE status = '{QUEUED}'; "
        f"CREATE INDEX {t}_leases ON {t} (locked_until_ms) WHERE status = '{RUNNING}'; "
        f'CREATE INDEX {t}_created ON {t} (created_ms, id); '
        f'CREATE INDEX {t}_ref ON {t} (type, ref_id) WHERE ref_id IS NOT NULL; '
        f'CREATE INDEX {t}_batch ON {t} (batch_id, status) WHERE batch_id IS NOT NULL; '
        f'CREATE INDEX {t}_waiting ON {t} USING gin (waiting_on) WHERE waiting_on IS NOT NULL; '
        f'CREATE INDEX {t}_execute_until ON {t} (execute_until_ms) WHERE execute_until_ms IS NOT NULL; '
        f'CREATE INDEX {t}_remove_at ON {t} (remove_at_ms) WHERE remove_at_ms IS NOT NULL; '
        f'CREATE UNIQUE INDEX {t}_uniq ON {t} (uniq_key) WHERE uniq_key IS NOT NULL; '
        f'CREATE UNIQUE INDEX {t}_idem ON {t} (idem_key) WHERE idem_key IS NOT NULL; '
        # the records idempotency keys leave when their jobs are deleted (idempotency_keys.py)
        f'CREATE TABLE {t}_keys (id text PRIMARY KEY, expires_ms bigint NOT NULL, doc jsonb NOT NULL); '
        f'CREATE INDEX {t}_keys_expires ON {t}_keys (expires_ms)',
        # the worker holding a running job's attempt: a column, so a take writes no JSON
        f'ALTER TABLE {t} ADD COLUMN worker_id text',
        # fair queues: takes go by (priority, turn in the group, created); an ungrouped job is turn 0 (a
        # default without a rewrite), so the take index holds no NULLs. ``_groups``: each group's next turn;
        # ``_clocks``: the highest turn taken per type, where a group joining late starts (jobs_postgres_groups.py)
        f'ALTER TABLE {t} ADD COLUMN group_key text, ADD COLUMN group_turn bigint NOT NULL DEFAULT 0; '
        f"CREATE INDEX {t}_takeable_turns ON {t} (type, priority, group_turn, created_ms, seq) "
        f"WHERE status = '{QUEUED}'; "
        f"CREATE INDEX {t}_takeable_any_turns ON {t} (priority, group_turn, created_ms, seq) "
        f"WHERE status = '{QUEUED}'; "
        f'DROP INDEX {t}_takeable; DROP INDEX {t}_takeable_any; '  # indexes only: the new ones replace them
        f"CREATE INDEX {t}_group_running ON {t} (type, group_key) WHERE status = '{RUNNING}' "
        'AND group_key IS NOT NULL; '
        f'CREATE TABLE {t}_groups (type text NOT NULL, group_key text NOT NULL, next_turn bigint NOT NULL, '
        'PRIMARY KEY (type, group_key)); '
        f'CREATE TABLE {t}_clocks (type text PRIMARY KEY, turn bigint NOT NULL)',
    ]


def _ms(value) -> Optional[int]:
    return None if value is None else clock.to_epoch_ms(value)


def cold_fields(job: JobV1) -> Dict[str, Any]:
    """What of the job ``doc`` holds: the fields without a column, those that are set."""
    return {k: v for k, v in job.to_json().items() if v is not None and k not in _IN_COLUMNS}


def row_values(job: JobV1, uniq_key: Optional[str], cold: Optional[Dict[str, Any]] = None) -> Tuple[Any, ...]:
    """The values of ``WRITE_COLUMNS`` for ``job``; ``uniq_key`` is the unique lock it holds (unique_locks.py)."""
    created = _ms(job.created)
    return (job.id, job.type, job.status, job.priority or 0, created,
            _ms(job.not_before) if job.not_before is not None else created or 0,
            _ms(job.started), _ms(job.locked_until), _ms(job.completed), _ms(job.execute_until), _ms(job.remove_at),
            job.retries or 0, job.lease_token, job.timeout, job.ref_id, job.batch_id, job.waiting_on or None,
            job.unique_until, job.idempotency_key, job.worker_id, job.group_key, job.group_turn or 0, uniq_key,
            _encode(cold if cold is not None else cold_fields(job)).decode())


def job_of_row(row: Optional[Sequence[Any]]) -> Optional[JobV1]:
    """The job of a row read with ``READ_COLUMNS``: ``doc``'s fields, then the columns'."""
    if row is None:
        return None
    values = _decode(row[DOC])
    for name in _COLD_DATES.intersection(values):
        values[name] = clock.to_datetime(values[name])
    for i, (field, _, _) in enumerate(COLUMNS):
        value = row[i]
        values[field] = clock.from_epoch_ms(value) if i in _DATES and value is not None else value
    if values['group_key'] is None:
        values['group_turn'] = None  # an ungrouped job's column holds 0, its place in the take order
    return JobV1(**values)


def jobs_of_rows(rows: Sequence[Sequence[Any]]) -> List[JobV1]:
    return [job_of_row(row) for row in rows]


def decode_doc(row: Sequence[Any]) -> Dict[str, Any]:
    return _decode(row[DOC])


def update_sql(t: str, changed: Sequence[int]) -> str:
    """One UPDATE of the ``changed`` write columns (indexes into ``WRITE_COLUMNS``) of many rows, their values
    given as one array per column (id first): one statement and plan for a whole batch. The ids are given
    once more for ``= ANY``, so the rows are found by the primary key whatever the statistics say (a join
    on ``unnest`` alone is planned as a scan of the table)."""
    names = ['id'] + [WRITE_COLUMNS[i] for i in changed]
    arrays = ', '.join(f'%s::{_TYPES[i]}[]' for i in [0, *changed])
    sets = ', '.join(f'{WRITE_COLUMNS[i]} = v.{WRITE_COLUMNS[i]}' + ('::jsonb' if i == DOC else '') for i in changed)
    return (f'UPDATE {t} AS j SET {sets} FROM unnest({arrays}) AS v({", ".join(names)}) '
            'WHERE j.id = ANY(%s::text[]) AND j.id = v.id')


def update_one_sql(t: str, changed: Sequence[int]) -> str:
    """The UPDATE of the ``changed`` columns of one row (a column of arrays cannot go through ``unnest``)."""
    sets = ', '.join(f'{WRITE_COLUMNS[i]} = %s' + ('::jsonb' if i == DOC else '') for i in changed)
    return f'UPDATE {t} SET {sets} WHERE id = %s'


ARRAY_COLUMNS = frozenset(i for i, sql in enumerate(_TYPES) if sql.endswith('[]'))

def write_changes(conn: psycopg.Connection, t: str, changes: List[Tuple[Tuple[tuple, dict], tuple, dict]]):
    """Writes each row's changed columns (``changes``: the stored row and its decoded doc, the new values and
    the new doc's fields); the rows that changed the same columns in one statement."""
    groups: Dict[Tuple[int, ...], List[tuple]] = {}
    for (row, doc), values, cold in changes:
        changed = tuple(i for i in range(1, DOC) if values[i] != row[i])
        if cold != doc:
            changed += (DOC,)
        if changed:
            groups.setdefault(changed, []).append(values)
    for changed, group in groups.items():
        if ARRAY_COLUMNS.intersection(changed):
            with conn.cursor() as cursor:
                cursor.executemany(update_one_sql(t, changed), [[v[i] for i in changed] + [v[0]] for v in group])
        else:
            arrays = [[v[i] for v in group] for i in (0, *changed)]
            conn.execute(update_sql(t, changed), arrays + [arrays[0]])


def prefixed_read_columns(alias: str) -> str:
    """``READ_COLUMNS`` qualified by a table alias (``doc::text`` becomes ``j.doc::text``)."""
    return ', '.join(f'{alias}.{c.strip()}' for c in READ_COLUMNS.split(','))
