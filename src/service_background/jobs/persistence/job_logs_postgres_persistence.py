"""The job logs in a PostgreSQL table, a row per line, shared by every process of the service.

Rows ``(job_id, seq, time, level, message, size)``, keyed by the job and its per-job sequence (from 1): a
job's kept lines are a contiguous run of seqs, so ``min(seq) - 1`` were dropped, and a page is an index range.
A row per line rather than a jsonb array per job: an append inserts its new lines instead of rewriting the
job's whole log. An append is one transaction: a transaction lock per job (two processes never give out one
seq twice), one insert of every job's lines, one statement dropping the oldest past the bounds."""
from typing import Dict, List, Optional

from service_background.common.persistence.postgres_persistence import PostgresPersistence
from service_background.jobs.data.version1.job_log_line_v1 import (
    MAX_BYTES,
    MAX_LINES,
    JobLogLineV1,
    fit_lines,
    log_page,
    message_size,
)
from service_background.jobs.persistence.i_job_logs_persistence import IJobLogsPersistence


class JobLogsPostgresPersistence(PostgresPersistence, IJobLogsPersistence):
    """Table ``table`` (``job_logs`` by default), after the connection's or this store's ``table_prefix``."""

    def __init__(self):
        super().__init__('job_logs', JobLogLineV1)

    def _migrations(self) -> List[str]:
        # job_id compared byte-wise: the sweep's pages follow the order Python sorts ids in
        return [f'CREATE TABLE {self.table()} (job_id text COLLATE "C" NOT NULL, seq bigint NOT NULL, '
                'time text NOT NULL, level text NOT NULL, message text NOT NULL, size integer NOT NULL, '
                'PRIMARY KEY (job_id, seq))']

    def append(self, correlation_id: Optional[str], lines_by_job: Dict[str, List[dict]]) -> Dict[str, int]:
        job_ids = sorted(job_id for job_id, lines in lines_by_job.items() if lines)
        counts = {job_id: 0 for job_id in lines_by_job}
        if not job_ids:
            return self._counts(counts)
        t = self.table()
        with self._transaction() as conn:
            # locks taken in one order (by key), so two appends of the same jobs never deadlock
            conn.execute('SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT '
                         'hashtextextended(%s || id, 0) AS k FROM unnest(%s::text[]) AS id ORDER BY k) AS keys',
                         (t + ':', job_ids))
            last = dict(conn.execute(f'SELECT job_id, max(seq) FROM {t} WHERE job_id = ANY(%s) GROUP BY job_id',
                                     (job_ids,)).fetchall())
            rows: List[list] = [[], [], [], [], [], []]
            for job_id in job_ids:
                lines = lines_by_job[job_id]
                start = fit_lines(lines)  # the lines the bounds would drop at once get their seqs, not rows
                for i in range(start, len(lines)):
                    line = lines[i]
                    for column, value in zip(rows, (job_id, last.get(job_id, 0) + 1 + i, line['time'], line['level'],
                                                    line['message'], message_size(line['message']))):
                        column.append(value)
            conn.execute(f'INSERT INTO {t} (job_id, seq, time, level, message, size) SELECT * FROM '
                         'unnest(%s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], %s::integer[])', rows)
            kept = conn.execute(
                f'WITH ranked AS (SELECT job_id, seq, row_number() OVER w AS n, sum(size) OVER w AS bytes '
                f'FROM {t} WHERE job_id = ANY(%(ids)s) WINDOW w AS (PARTITION BY job_id ORDER BY seq DESC)), '
                f'gone AS (DELETE FROM {t} AS l USING ranked AS r WHERE l.job_id = r.job_id AND l.seq = r.seq '
                'AND (r.n > %(lines)s OR r.bytes > %(bytes)s)) '
                'SELECT job_id, count(*) FILTER (WHERE n <= %(lines)s AND bytes <= %(bytes)s) FROM ranked '
                'GROUP BY job_id', {'ids': job_ids, 'lines': MAX_LINES, 'bytes': MAX_BYTES}).fetchall()
        counts.update(dict(kept))
        return self._counts(counts)

    def _counts(self, counts: Dict[str, int]) -> Dict[str, int]:
        """Jobs given no lines keep what they had: their counts are read."""
        idle = [job_id for job_id, count in counts.items() if not count]
        if idle:
            counts.update({row['job_id']: row['n'] for row in self._fetch_all(
                f'SELECT job_id, count(*) AS n FROM {self.table()} WHERE job_id = ANY(%s) GROUP BY job_id', (idle,))})
        return counts

    def get_log(self, correlation_id: Optional[str], job_id: str, skip: int, take: int) -> dict:
        # one statement, so the page and the counts are of one moment (an append may trim meanwhile)
        t = self.table()
        rows = self._fetch_all(
            f'WITH span AS (SELECT min(seq) AS first, max(seq) AS last FROM {t} WHERE job_id = %(id)s) '
            f'SELECT span.first, span.last, l.time, l.level, l.message FROM span LEFT JOIN {t} AS l '
            'ON l.job_id = %(id)s AND l.seq BETWEEN span.first + %(skip)s AND span.first + %(skip)s + %(take)s - 1 '
            'ORDER BY l.seq', {'id': job_id, 'skip': skip, 'take': take})
        first, last = rows[0]['first'], rows[0]['last']
        if first is None:
            return log_page(job_id, [], 0, 0)
        lines = [{'time': row['time'], 'level': row['level'], 'message': row['message']}
                 for row in rows if row['message'] is not None]
        return log_page(job_id, lines, last - first + 1, first - 1)

    def get_job_ids(self, correlation_id: Optional[str], after: Optional[str], limit: int) -> List[str]:
        # a skip scan over the primary key: one index probe per job, not a read of every line
        t = self.table()
        rows = self._fetch_all(
            f'WITH RECURSIVE ids AS ((SELECT job_id FROM {t} WHERE %(after)s::text IS NULL OR job_id > %(after)s '
            f'ORDER BY job_id LIMIT 1) UNION ALL SELECT (SELECT job_id FROM {t} WHERE job_id > ids.job_id '
            'ORDER BY job_id LIMIT 1) FROM ids WHERE ids.job_id IS NOT NULL) '
            'SELECT job_id FROM ids WHERE job_id IS NOT NULL LIMIT %(limit)s', {'after': after, 'limit': limit})
        return [row['job_id'] for row in rows]

    def delete_by_job_ids(self, correlation_id: Optional[str], job_ids: List[str]) -> None:
        if job_ids:
            self._execute(f'DELETE FROM {self.table()} WHERE job_id = ANY(%s)', (list(job_ids),))
