"""The dependency and batch reads of the PostgreSQL jobs table: queued children waiting on parents (by the GIN
index of ``waiting_on``) and a batch's counts; a part of JobsPostgresPersistence."""
from typing import Any, Callable, Dict, List

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.data.version1.job_transitions import WAITING
from service_background.jobs.persistence.jobs_postgres_rows import QUEUED, READ_COLUMNS, UNFINISHED_SQL, jobs_of_rows

FetchRows = Callable[[str, Any], List[tuple]]  # (sql, params) -> the rows of one statement


class JobsPostgresDependencies:
    """``table`` names the jobs table; ``fetch`` runs one read on a pooled connection."""

    def __init__(self, table: str, fetch: FetchRows):
        self._t = table
        self._fetch = fetch

    def waiting_children(self, parent_id: str) -> List[str]:
        return [row[0] for row in self._fetch(
            f"SELECT id FROM {self._t} WHERE waiting_on @> ARRAY[%s] AND waiting_on IS NOT NULL "
            f"AND status = '{QUEUED}'", (parent_id,))]

    def waiting_children_many(self, parent_ids: List[str]) -> Dict[str, List[str]]:
        children: Dict[str, List[str]] = {id: [] for id in parent_ids}
        # no status condition: the GIN index of waiting_on is then the only one that fits (a queued child
        # has a waiting_on; finished ones seldom)
        for id, status, waiting_on in self._fetch(
                f'SELECT id, status, waiting_on FROM {self._t} WHERE waiting_on && %s::text[] '
                'AND waiting_on IS NOT NULL', (list(children),)):
            if status != QUEUED:
                continue
            for parent_id in waiting_on:
                if parent_id in children:
                    children[parent_id].append(id)
        return children

    def waiting_jobs(self, limit: int) -> List[JobV1]:
        """Queued children still waiting on parents (``not_before`` is the far-future WAITING mark)."""
        return jobs_of_rows(self._fetch(
            f"SELECT {READ_COLUMNS} FROM {self._t} WHERE status = '{QUEUED}' AND not_before_ms >= %s LIMIT %s",
            (clock.to_epoch_ms(WAITING), limit)))

    def batch_has_unfinished(self, batch_id: str) -> bool:
        return bool(self._fetch(
            f'SELECT 1 FROM {self._t} WHERE batch_id = %s AND {UNFINISHED_SQL} LIMIT 1', (batch_id,)))

    def batch_counts(self, batch_id: str) -> Dict[str, int]:
        return dict(self._fetch(
            f'SELECT status, count(*) FROM {self._t} WHERE batch_id = %s GROUP BY status', (batch_id,)))
