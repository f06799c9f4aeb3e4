"""Keeps a fast-growing table's planner statistics fresh: ANALYZE, in the background, once many rows came.

A queue table can go from empty to many thousand rows within a second; autovacuum looks at it about
once a minute, and until then the planner, believing the table tiny, scans it whole for what an index
finds in a few steps (a batch update by id, the children of finished jobs). A store counts the rows it
inserts; past ``max(min_rows, ratio x the rows at the last ANALYZE)`` one ANALYZE runs on a thread of
its own, never two at once, never more often than ``min_interval_s``."""
import threading
import time
from typing import Callable, Optional


class PostgresStatistics:
    """``analyze()`` runs the statement (the store's call) and returns the table's row estimate after it."""

    def __init__(self, analyze: Callable[[], int], min_rows: int = 1000, ratio: float = 0.2,
                 min_interval_s: float = 2.0, on_error: Optional[Callable[[Exception], None]] = None):
        self._analyze = analyze
        self._min_rows = min_rows
        self._ratio = ratio
        self._min_interval_s = min_interval_s
        self._on_error = on_error
        self._lock = threading.Lock()
        self._added = 0
        self._rows = 0  # the estimate after the last ANALYZE
        self._last = 0.0
        self._running = False

    def rows_added(self, n: int):
        with self._lock:
            self._added += n
            due = (not self._running and self._added >= max(self._min_rows, self._ratio * self._rows)
                   and time.monotonic() - self._last >= self._min_interval_s)
            if not due:
                return
            self._running, self._added = True, 0
        threading.Thread(target=self._run, name='postgres-analyze', daemon=True).start()

    def _run(self):
        try:
            rows = self._analyze()
            with self._lock:
                self._rows = rows
        except Exception as ex:  # the next batch of rows tries again
            if self._on_error is not None:
                self._on_error(ex)
        finally:
            with self._lock:
                self._running = False
                self._last = time.monotonic()
