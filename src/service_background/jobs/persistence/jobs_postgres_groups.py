"""Fair queues on PostgreSQL: group turns given at create, group limits held by advisory locks, group counts;
a part of JobsPostgresPersistence that works inside the store's transactions.

Turns: ``<jobs>_groups`` keeps each (type, group_key)'s next turn and ``<jobs>_clocks`` each type's clock,
the highest turn taken (a monotonic max the take statement writes, only when it takes grouped jobs). A job
gets ``max(its group's next turn, the clock)``, so a group that joins late starts where the takes are, not
behind or ahead of the groups already queued. The clock is the highest turn taken rather than the lowest
queued: a lowest queued turn would need an index walk past every delayed or waiting job at each create,
while the taken one is one row read at create and one upsert per take of grouped jobs.

Limits: a take of a limited type locks each (type, group_key) it would claim from with a transaction-scoped
advisory lock, counts that group's running jobs and claims only up to the limit, all in the transaction
that claims: no job is handed out past a limit, whichever processes take at once."""
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import psycopg

from service_background.jobs.data.version1 import JobV1
from service_background.jobs.persistence.jobs_postgres_rows import QUEUED, RUNNING

Group = Tuple[str, str]  # (type, group_key)


class JobsPostgresGroups:
    """``table`` names the jobs table; ``set_limits`` gives the limits the takes enforce."""

    def __init__(self, table: str, limits: Dict[str, int]):
        self._t = table
        self.tables = self.tables_of(table)
        self._limits = dict(limits)

    @staticmethod
    def tables_of(table: str) -> Tuple[str, str]:
        """The side tables of the jobs table ``table``: group counters, type clocks."""
        return table + '_groups', table + '_clocks'

    # --- limits ------------------------------------------------------------------------------
    def set_limits(self, limits: Dict[str, int]):
        self._limits = dict(limits)  # replaced whole: a take reads one map or the other

    def limits(self, type: Optional[str]) -> Dict[str, int]:
        """The limits a take of ``type`` (None: any type) must keep; empty when none applies."""
        limits = self._limits
        if type is None:
            return limits
        limit = limits.get(type)
        return {type: limit} if limit is not None else {}

    def full_groups_sql(self, limits: Dict[str, int]) -> Tuple[str, List[Any]]:
        """A query of the groups of the limited types already running their limit, and its parameters (a
        hint that saves picks: the locks decide)."""
        types = sorted(limits)
        return (f'SELECT r.type, r.group_key FROM {self._t} AS r JOIN unnest(%s::text[], %s::bigint[]) AS l(type, n) '
                f"ON r.type = l.type WHERE r.status = '{RUNNING}' AND r.group_key IS NOT NULL "
                'GROUP BY r.type, r.group_key, l.n HAVING count(*) >= l.n', [types, [limits[t] for t in types]])

    def lock_and_count(self, conn: psycopg.Connection, groups: Sequence[Group], wait: bool) -> Dict[Group, int]:
        """Locks ``groups`` until the transaction ends and counts their running jobs (then final: every take
        of those groups waits for this transaction). ``wait`` False: a group another take holds is left out
        (a lock taken after others are held must not wait, or two takes could wait on each other)."""
        if not groups:
            return {}
        groups = sorted(groups)
        fn = 'pg_advisory_xact_lock' if wait else 'pg_try_advisory_xact_lock'
        got = conn.execute(f"SELECT {fn}(hashtextextended(%s || chr(31) || type || chr(31) || key, 0)) "
                           'FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS g(type, key, n) ORDER BY n',
                           (self._t, [g[0] for g in groups], [g[1] for g in groups])).fetchall()
        held = [group for group, (ok,) in zip(groups, got) if ok is not False]
        counts = dict.fromkeys(held, 0)
        if held:
            for type, key, n in conn.execute(
                    f"SELECT type, group_key, count(*) FROM {self._t} WHERE status = '{RUNNING}' "
                    'AND (type, group_key) IN (SELECT * FROM unnest(%s::text[], %s::text[])) GROUP BY 1, 2',
                    ([g[0] for g in held], [g[1] for g in held])).fetchall():
                counts[(type, key)] = n
        return counts

    # --- turns -------------------------------------------------------------------------------
    def assign_turns(self, conn: psycopg.Connection, jobs: Iterable[JobV1]):
        """Gives each grouped job without a turn the next turns of its group, in one statement for all;
        jobs of one group take consecutive turns in their order."""
        wanted: Dict[Group, List[JobV1]] = {}
        for job in jobs:
            if job.group_key is not None and job.group_turn is None:
                wanted.setdefault((job.type, job.group_key), []).append(job)
        if not wanted:
            return
        groups, clocks = self.tables
        keys = sorted(wanted)  # one lock order for every create: two batches never wait on each other
        rows = conn.execute(
            'WITH w AS (SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS w(type, group_key, n)) '
            f'INSERT INTO {groups} AS g (type, group_key, next_turn) '
            f'SELECT w.type, w.group_key, coalesce(c.turn, 0) + w.n FROM w LEFT JOIN {clocks} AS c '
            'ON c.type = w.type ORDER BY w.type, w.group_key '
            'ON CONFLICT (type, group_key) DO UPDATE SET next_turn = greatest(excluded.next_turn, g.next_turn + '
            '(SELECT w.n FROM w WHERE w.type = excluded.type AND w.group_key = excluded.group_key)) '
            'RETURNING type, group_key, next_turn',
            ([k[0] for k in keys], [k[1] for k in keys], [len(wanted[k]) for k in keys])).fetchall()
        for type, key, next_turn in rows:
            group = wanted[(type, key)]
            for i, job in enumerate(group):
                job.group_turn = next_turn - len(group) + i

    # --- the dashboard -----------------------------------------------------------------------
    def counts(self, conn: psycopg.Connection, type: str, limit: int) -> List[dict]:
        rows = conn.execute(
            f"SELECT group_key, count(*) FILTER (WHERE status = '{QUEUED}') AS queued, "
            f"count(*) FILTER (WHERE status = '{RUNNING}') FROM {self._t} WHERE type = %s AND "
            f"group_key IS NOT NULL AND status IN ('{QUEUED}', '{RUNNING}') GROUP BY group_key "
            'ORDER BY queued DESC, group_key LIMIT %s', (type, limit)).fetchall()
        return [{'group_key': key, 'queued': queued, 'running': running} for key, queued, running in rows]
