"""The job logs in a dict, a line per item keyed ``(job_id, seq)`` (one process; the file store adds a journal,
where a line per item makes an append cost its new lines, not the job's whole log)."""
import bisect
from typing import Dict, List, Optional

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.jobs.data.version1.job_log_line_v1 import (
    MAX_BYTES,
    MAX_LINES,
    JobLogLineV1,
    fit_lines,
    log_page,
)
from service_background.jobs.persistence.i_job_logs_persistence import IJobLogsPersistence


class _Span:
    """A job's kept lines: seqs ``first..last`` (lines are added at the end and dropped from the front,
    so they stay contiguous) and their message bytes."""
    __slots__ = ('first', 'last', 'bytes')

    def __init__(self, seq: int):
        self.first = self.last = seq
        self.bytes = 0

    @property
    def count(self) -> int:
        return self.last - self.first + 1


class JobLogsMemoryPersistence(MemoryPersistence, IJobLogsPersistence):

    def __init__(self):
        super().__init__(JobLogLineV1)
        self._spans: Dict[str, _Span] = {}

    # --- the per-job index, kept in step by the base's hooks (under its lock) ---------------------
    def _key(self, item: JobLogLineV1):
        return item.job_id, item.seq

    def _on_loaded(self):
        self._spans = {}
        for line in sorted(self._items.values(), key=lambda line: line.seq):
            self._on_saved(None, line)

    def _on_saved(self, old: Optional[JobLogLineV1], new: JobLogLineV1):
        span = self._spans.get(new.job_id)
        if span is None:
            span = self._spans[new.job_id] = _Span(new.seq)
        span.last = new.seq
        span.bytes += new.size

    def _on_deleted(self, old: JobLogLineV1):
        span = self._spans[old.job_id]
        span.bytes -= old.size
        span.first = old.seq + 1
        if span.first > span.last:
            del self._spans[old.job_id]

    def _drop_oldest(self, job_id: str, keep_lines: int, keep_bytes: int):
        """Drops the job's oldest lines until at most ``keep_lines`` lines of ``keep_bytes`` are left."""
        span = self._spans.get(job_id)
        while span is not None and (span.count > keep_lines or span.bytes > keep_bytes):
            self._remove((job_id, span.first))
            span = self._spans.get(job_id)

    # --- IJobLogsPersistence -----------------------------------------------------------------------
    def append(self, correlation_id: Optional[str], lines_by_job: Dict[str, List[dict]]) -> Dict[str, int]:
        counts = {}
        with self.batch():  # a file store: one journal write and one fsync for the whole call
            for job_id, lines in lines_by_job.items():
                span = self._spans.get(job_id)
                seq = span.last + 1 if span is not None else 1
                start = fit_lines(lines)
                if start:  # the new lines fill the bounds alone: every kept line goes first
                    self._drop_oldest(job_id, 0, 0)
                for i in range(start, len(lines)):
                    self._store(JobLogLineV1(job_id, seq + i, **lines[i]))
                self._drop_oldest(job_id, MAX_LINES, MAX_BYTES)
                span = self._spans.get(job_id)
                counts[job_id] = span.count if span is not None else 0
        return counts

    def get_log(self, correlation_id: Optional[str], job_id: str, skip: int, take: int) -> dict:
        with self._lock:
            span = self._spans.get(job_id)
            if span is None:
                return log_page(job_id, [], 0, 0)
            seqs = range(span.first + skip, min(span.last, span.first + skip + take - 1) + 1)
            lines = [self._items[(job_id, seq)].to_line() for seq in seqs]  # stored lines are never changed
            return log_page(job_id, lines, span.count, span.first - 1)

    def get_job_ids(self, correlation_id: Optional[str], after: Optional[str], limit: int) -> List[str]:
        with self._lock:
            ids = list(self._spans)
        ids.sort()  # outside the lock: appends need not wait for it
        start = bisect.bisect_right(ids, after) if after is not None else 0
        return ids[start:start + limit]

    def delete_by_job_ids(self, correlation_id: Optional[str], job_ids: List[str]) -> None:
        with self.batch():
            for job_id in job_ids:
                self._drop_oldest(job_id, 0, 0)
