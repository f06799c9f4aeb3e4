"""The store of REMOTE@ executions queued for worker nodes on PostgreSQL: a node's poll takes the
oldest queued row no rival poll holds (FOR UPDATE SKIP LOCKED) in one statement."""
from datetime import datetime
from typing import List, Optional, Sequence

from service_background.cron.data.version1 import CronDispatchV1
from service_background.cron.data.version1.cron_dispatch_v1 import CLOSED_STATUSES, QUEUED, RUNNING
from service_background.cron.persistence.cron_postgres_persistence import NUMBER, TEXT_KEY, CronPostgresPersistence
from service_background.cron.persistence.i_cron_dispatches_persistence import ICronDispatchesPersistence

# literal, not parameters: a plan the driver prepares must still match the partial indexes
_IS_QUEUED, _IS_RUNNING = f"status = '{QUEUED}'", f"status = '{RUNNING}'"
_CLOSED = f"status IN ({', '.join(repr(s) for s in CLOSED_STATUSES)})"


class CronDispatchesPostgresPersistence(CronPostgresPersistence, ICronDispatchesPersistence):
    """Table ``table`` (default "cron_dispatches"): a partial index holds each node's queued rows
    oldest first (the take's order); partial indexes on take_until (queued), report_until (running)
    and finished (closed) serve the overdue sweep and the cleanup; one on group_name a group's delete."""

    def __init__(self):
        super().__init__('cron_dispatches', CronDispatchV1, ('id',))

    def _migrations(self) -> List[str]:
        t = self.table()
        return [f'CREATE TABLE {t} (id {TEXT_KEY} PRIMARY KEY, group_name {TEXT_KEY}, node_id {TEXT_KEY}, '
                f'job_id text, job_name text, command text, timeout {NUMBER}, planned_time timestamptz, '
                'created timestamptz, take_until timestamptz, taken timestamptz, report_until timestamptz, '
                f'status text NOT NULL, exit_code bigint, stdout text, stderr text, error text, '
                f'duration_ms {NUMBER}, finished timestamptz); '
                f'CREATE INDEX {t}_queued ON {t} (group_name, node_id, created, id) WHERE {_IS_QUEUED}; '
                f'CREATE INDEX {t}_take_until ON {t} (take_until) WHERE {_IS_QUEUED}; '
                f'CREATE INDEX {t}_report_until ON {t} (report_until) WHERE {_IS_RUNNING}; '
                f'CREATE INDEX {t}_finished ON {t} (finished) WHERE {_CLOSED}; '
                f'CREATE INDEX {t}_group ON {t} (group_name)']

    def create_dispatch(self, correlation_id: Optional[str], dispatch: CronDispatchV1) -> CronDispatchV1:
        return self._insert(self._with_id(dispatch), replace=True)

    def get_dispatch(self, correlation_id: Optional[str], id: str) -> Optional[CronDispatchV1]:
        return self._get_by_key((id,))

    def take_next(self, correlation_id: Optional[str], group_name: str, node_id: str, now: datetime,
                  report_until_ms: float) -> Optional[CronDispatchV1]:
        # report_until = now + the row's own timeout + report_until_ms, cut to milliseconds as clock.add_ms
        t = self.table()
        return self._from_row(self._fetch_one(
            f'WITH picked AS (SELECT id FROM {t} WHERE group_name = %s AND node_id = %s AND {_IS_QUEUED} '
            'AND take_until > %s ORDER BY created, id LIMIT 1 FOR UPDATE SKIP LOCKED) '
            f"UPDATE {t} AS d SET status = '{RUNNING}', taken = %s, report_until = date_trunc('milliseconds', "
            "%s::timestamptz + (coalesce(d.timeout, 0) * 1000 + %s)::float8 * interval '1 millisecond') "
            'FROM picked WHERE d.id = picked.id RETURNING d.*',
            (group_name, node_id, now, now, now, report_until_ms)))

    def finish(self, correlation_id: Optional[str], id: str, statuses: Sequence[str],
               fields: dict) -> Optional[CronDispatchV1]:
        return self._update(fields, 'id = %s AND status = ANY(%s)', (id, list(statuses)))

    def get_overdue(self, correlation_id: Optional[str], now: datetime) -> List[CronDispatchV1]:
        return self._list(f'({_IS_QUEUED} AND take_until < %s) OR ({_IS_RUNNING} AND report_until < %s)',
                          (now, now), 'created, id')

    def delete_closed_before(self, correlation_id: Optional[str], before: datetime) -> int:
        return self._delete_where(f'{_CLOSED} AND finished < %s', (before,))

    def delete_dispatches(self, correlation_id: Optional[str], group_name: str) -> int:
        return self._delete_where('group_name = %s', (group_name,))
