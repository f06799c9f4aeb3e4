"""Queue limits on a PostgreSQL jobs store, shared by every process: a slot row per running limited job,
claimed under a per-type advisory lock, and a counter row per rate window, counted by one upsert."""
import uuid
from typing import Callable, List, Optional, Sequence, Tuple

from service_background.common.data import clock
from service_background.common.persistence.postgres_persistence import PostgresPersistence
from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.persistence.queue_limit_shared_gate import SharedQueueLimitGate

RATE_SWEEP_MS = 60000  # how often a process deletes the counters of past windows


class QueueLimitPostgresGate(PostgresPersistence, SharedQueueLimitGate):
    """Tables ``<jobs table>_slots`` (``id, type, job_id, until_ms``; job_id '' while the take runs) and
    ``<jobs table>_rates`` (``id "<type>@<window>", n, expires_ms``), with the jobs store's table prefix.

    A claim counts the type's live slots and inserts one in a transaction holding the type's advisory
    lock, so the claims of every process for a type run one at a time and never pass ``concurrency``;
    a slot whose until passed (its lease ran out) no longer counts and goes at the type's next claim."""

    def __init__(self, table_name: str, bump_signal: Callable[[str, int], None]):
        super().__init__(table_name + '_slots', None)
        self._rates_name = table_name + '_rates'
        self._bump_signal = bump_signal  # a freed slot: waiters of other processes try again
        self._swept_ms = 0

    def _rates(self) -> str:
        return self.table(self._rates_name)

    def _tables(self) -> Sequence[str]:
        return [self.table(), self._rates()]

    def _migrations(self) -> List[str]:
        slots, rates = self.table(), self._rates()
        return [f'CREATE TABLE {slots} (id text PRIMARY KEY, type text NOT NULL, job_id text NOT NULL, '
                f'until_ms bigint NOT NULL); CREATE INDEX {slots}_type ON {slots} (type); '
                f'CREATE INDEX {slots}_job ON {slots} (job_id)',
                f'CREATE TABLE {rates} (id text PRIMARY KEY, n integer NOT NULL, expires_ms bigint NOT NULL); '
                f'CREATE INDEX {rates}_expires ON {rates} (expires_ms)']

    # --- the steps of a take (queue_limit_shared_gate.py) -----------------------------------------
    def _claim_slot(self, type: str, concurrency: int, now_ms: int, hold_ms: float) -> Optional[str]:
        slots, slot_id = self.table(), uuid.uuid4().hex
        with self._transaction() as conn:
            # two int4 keys: a lock space apart from the single-key migration lock
            conn.execute('SELECT pg_advisory_xact_lock(hashtext(%s), hashtext(%s))', (slots, type))
            row = conn.execute(
                f'WITH gone AS (DELETE FROM {slots} WHERE type = %s AND until_ms <= %s) '
                f"INSERT INTO {slots} (id, type, job_id, until_ms) SELECT %s, %s, '', %s "
                f'WHERE (SELECT count(*) FROM {slots} WHERE type = %s AND until_ms > %s) < %s RETURNING id',
                (type, now_ms, slot_id, type, now_ms + int(hold_ms), type, now_ms, concurrency)).fetchone()
        return row[0] if row is not None else None

    def _count_rate(self, type: str, limit: QueueLimitV1, now_ms: int) -> Tuple[Optional[str], Optional[int]]:
        rates = self._rates()
        window = now_ms // limit.rate_period_ms
        window_id = f'{type}@{window}'
        row = self._fetch_one(
            f'INSERT INTO {rates} AS r (id, n, expires_ms) VALUES (%s, 1, %s) '
            'ON CONFLICT (id) DO UPDATE SET n = r.n + 1 WHERE r.n < %s RETURNING n',
            (window_id, (window + 2) * limit.rate_period_ms, limit.rate_limit))
        if row is None:
            return None, (window + 1) * limit.rate_period_ms
        if now_ms - self._swept_ms > RATE_SWEEP_MS:
            self._swept_ms = now_ms
            self._execute(f'DELETE FROM {rates} WHERE expires_ms < %s', (now_ms,))
        return window_id, None

    def _give_back(self, slot_id: Optional[str], window_id: Optional[str]):
        if window_id is not None:
            self._execute(f'UPDATE {self._rates()} SET n = n - 1 WHERE id = %s AND n > 0', (window_id,))
        if slot_id is not None:
            self._execute(f"DELETE FROM {self.table()} WHERE id = %s AND job_id = ''", (slot_id,))

    def _bind_slot(self, slot_id: str, job: JobV1, hold_until_ms: int):
        until_ms = clock.to_epoch_ms(job.locked_until) if job.locked_until is not None else hold_until_ms
        self._execute(f'UPDATE {self.table()} SET job_id = %s, until_ms = %s WHERE id = %s',
                      (job.id, until_ms, slot_id))

    # --- IQueueLimitGate ----------------------------------------------------------------------
    def job_left(self, job: JobV1):
        if self._execute(f'DELETE FROM {self.table()} WHERE job_id = %s', (job.id,)):
            self._bump_signal(job.type, 1)

    def group_slot_freed(self, job: JobV1):
        self._bump_signal(job.type, 1)

    def job_extended(self, job: JobV1):
        if job.locked_until is not None:
            self._execute(f'UPDATE {self.table()} SET until_ms = %s WHERE job_id = %s',
                          (clock.to_epoch_ms(job.locked_until), job.id))

    # --- reads for status and tests -------------------------------------------------------------
    def running_slots(self, type: str) -> int:
        """The slots of ``type`` held now (claims in progress included, lapsed ones not yet deleted too)."""
        return self._fetch_one(f'SELECT count(*) AS n FROM {self.table()} WHERE type = %s', (type,))['n']
