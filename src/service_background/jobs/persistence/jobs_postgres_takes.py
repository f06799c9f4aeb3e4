"""Takes from the PostgreSQL jobs table: the first due queued rows in (priority, group turn, created) order,
claimed with a fresh lease token each; a part of JobsPostgresPersistence.

A take of a type without group limits is one statement (FOR UPDATE SKIP LOCKED). A take of a limited type
is one transaction: it leaves out the groups already full, locks the groups of the rows it picked
(jobs_postgres_groups.py), claims up to each group's free slots and picks again for the rest."""
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Set

import psycopg

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.persistence.jobs_postgres_groups import Group, JobsPostgresGroups
from service_background.jobs.persistence.jobs_postgres_rows import (
    COLUMNS,
    QUEUED,
    RUNNING,
    jobs_of_rows,
    prefixed_read_columns,
)

_TOKEN_SQL = "left(replace(gen_random_uuid()::text, '-', ''), 24)"  # as new_lease_token: 96 random bits
_ORDER = 'priority, group_turn, created_ms, seq'
_PLACES = [next(i for i, c in enumerate(COLUMNS) if c[1] == name) for name in ('priority', 'group_turn', 'created_ms')]
_ROUNDS = 4  # picks of a limited take: each leaves out the groups the one before filled

Connect = Callable[[], AbstractContextManager]  # a pooled connection, given back when the block ends


class JobsPostgresTakes:
    """``table`` names the jobs table; ``connect`` lends a connection; ``groups`` keeps the group limits."""

    def __init__(self, table: str, connect: Connect, groups: JobsPostgresGroups):
        self._t = table
        self._connect = connect
        self._groups = groups
        clocks = groups.tables[1]
        self._claim = (
            f", taken AS (UPDATE {table} AS j SET status = '{RUNNING}', retries = j.retries + 1, "
            'started_ms = %s, locked_until_ms = %s + coalesce(%s, nullif(j.timeout, 0), %s), '
            f'lease_token = {_TOKEN_SQL}, worker_id = %s, '
            # an attempt starts without the progress of the one before
            "doc = CASE WHEN j.doc ? 'progress' OR j.doc ? 'progress_message' "
            "THEN j.doc - 'progress' - 'progress_message' ELSE j.doc END, "
            "uniq_key = CASE WHEN j.unique_until = 'started' THEN NULL ELSE j.uniq_key END "
            f'FROM picked WHERE j.id = picked.id RETURNING {prefixed_read_columns("j")}, j.seq), '
            # the type's clock: the highest turn taken, where groups that join late start
            f'clock AS (INSERT INTO {clocks} AS c (type, turn) SELECT type, max(group_turn) FROM taken '
            'WHERE group_key IS NOT NULL GROUP BY type ORDER BY type '
            'ON CONFLICT (type) DO UPDATE SET turn = excluded.turn WHERE c.turn < excluded.turn) '
            'SELECT * FROM taken')

    def take_many(self, type: Optional[str], now: datetime, timeout: Optional[float], default_timeout: float,
                  limit: int, worker_id: Optional[str]) -> List[JobV1]:
        """A unique lock that ends at the start is given up in the same write."""
        now_ms = clock.to_epoch_ms(now)
        claim = [now_ms, now_ms, int(timeout) if timeout else None, int(default_timeout), worker_id]
        limits = self._groups.limits(type)
        where, params = self._where(type, now_ms)
        with self._connect() as conn:
            if not limits:
                rows = conn.execute(
                    f'WITH picked AS (SELECT id FROM {self._t} WHERE {where} ORDER BY {_ORDER} LIMIT %s '
                    f'FOR UPDATE SKIP LOCKED) {self._claim}', params + [limit] + claim).fetchall()
            else:
                with conn.transaction():
                    ids = self._pick_within_limits(conn, where, params, limits, limit)
                    rows = conn.execute(f'WITH picked AS (SELECT unnest(%s::text[]) AS id) {self._claim}',
                                        [ids] + claim).fetchall() if ids else []
        rows.sort(key=lambda row: tuple(row[i] for i in _PLACES) + (row[-1],))
        return jobs_of_rows([row[:-1] for row in rows])

    @staticmethod
    def _where(type: Optional[str], now_ms: int):
        where = f"status = '{QUEUED}' AND not_before_ms <= %s" + (' AND type = %s' if type is not None else '')
        return where, [now_ms] + ([type] if type is not None else [])

    def _pick_within_limits(self, conn: psycopg.Connection, where: str, params: List[Any],
                            limits: Dict[str, int], limit: int) -> List[str]:
        """The ids to claim: rows picked (and locked) in take order, a limited type's grouped row only while
        its group has a free slot; the groups found full are left out of the next pick."""
        full: Set[Group] = set()  # found full here (the query below leaves out the ones full before)
        full_sql, full_params = self._groups.full_groups_sql(limits)
        free: Dict[Group, int] = {}  # slots left in the groups this transaction holds
        ids: List[str] = []
        for round in range(_ROUNDS):
            out, asked = sorted(full), limit - len(ids)
            rows = conn.execute(
                f'SELECT id, type, group_key FROM {self._t} WHERE {where} AND (group_key IS NULL OR ((type, group_key) '
                f'NOT IN (SELECT * FROM unnest(%s::text[], %s::text[])) AND (type, group_key) NOT IN ({full_sql}))) '
                f'AND id <> ALL(%s) ORDER BY {_ORDER} LIMIT %s FOR UPDATE SKIP LOCKED',
                params + [[g[0] for g in out], [g[1] for g in out]] + full_params + [ids, asked]).fetchall()
            fresh = {(t, key) for _, t, key in rows if key is not None and t in limits} - free.keys()
            for group, running in self._groups.lock_and_count(conn, list(fresh), wait=round == 0).items():
                free[group] = limits[group[0]] - running
            full.update(fresh - free.keys())  # another take holds it: left for now
            for id, t, key in rows:
                group = (t, key)
                if key is None or t not in limits:
                    ids.append(id)
                elif free.get(group, 0) > 0:
                    free[group] -= 1
                    ids.append(id)
                else:
                    full.add(group)
            if len(ids) >= limit or len(rows) < asked:  # enough, or nothing more to pick
                break
        return ids
