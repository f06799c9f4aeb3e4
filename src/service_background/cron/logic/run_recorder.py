"""Keeps each run's outcome (run history, the job's last_result, the reply hook), off the run's worker
when the store is shared."""
# On a shared store (a database) a small pool writes them, so a burst of due runs fires before any of
# them is recorded; on memory and files the worker writes them (cheaper than a hand-over).
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List, Optional

import requests
from pip_services3_components.log import CompositeLogger

from service_background.common.data.json_util import to_json
from service_background.cron.data.version1 import CronRunV1
from service_background.cron.persistence import ICronJobsPersistence, ICronRunsPersistence

RECORD_WORKERS = 4
RECORD_BACKLOG = 1000      # runs waiting to be written at most; past it the worker writes its own (backpressure)
REPLY_WORKERS = 4
REPLY_BACKLOG = 1000       # reply hook posts waiting at most; past it the newest are dropped (logged)


class BoundedPool:
    """A thread pool holding at most ``backlog`` tasks queued or running: ``try_submit`` answers False
    when it is full or stopped, and the caller decides (do the task itself, or drop it)."""

    def __init__(self, workers: int, backlog: int, name: str):
        self._workers = workers
        self._max_backlog = backlog
        self._name = name
        self._lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._backlog = 0

    def start(self):
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix=self._name)

    def stop(self):
        """Runs what waits, then stops."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    def submit(self, task: Callable, *args) -> bool:
        """Runs ``task(*args)`` whatever the backlog; False when stopped."""
        pool = self._pool
        try:
            if pool is not None:
                pool.submit(task, *args)
                return True
        except RuntimeError:
            pass
        return False

    def try_submit(self, task: Callable[[], None]) -> bool:
        """Runs ``task()`` unless the backlog is full or the pool stopped (then False)."""
        pool = self._pool
        with self._lock:
            if pool is None or self._backlog >= self._max_backlog:
                return False
            self._backlog += 1

        def counted():
            try:
                task()
            finally:
                with self._lock:
                    self._backlog -= 1
        try:
            pool.submit(counted)
            return True
        except RuntimeError:  # stopped meanwhile
            with self._lock:
                self._backlog -= 1
            return False


class RunRecorder:

    def __init__(self, jobs: ICronJobsPersistence, runs: ICronRunsPersistence, logger: CompositeLogger,
                 history_size: int, reply_url: Optional[str], reply_timeout: float, deferred: bool = False):
        self._jobs = jobs
        self._deferred = deferred
        self._runs = runs
        self._logger = logger
        self._history_size = history_size
        self._reply_url = reply_url
        self._reply_timeout = reply_timeout
        self._records = BoundedPool(RECORD_WORKERS, RECORD_BACKLOG, 'cron-record')
        self._replies = BoundedPool(REPLY_WORKERS, REPLY_BACKLOG, 'cron-reply')
        self._reply_dropped = 0
        self._dropped_lock = threading.Lock()
        self._local = threading.local()
        self._observers: List[Callable[[CronRunV1], None]] = []

    def add_observer(self, observer: Callable[[CronRunV1], None]):
        """Called with every run once it is recorded (the metrics count them); never breaks a run."""
        if observer not in self._observers:
            self._observers.append(observer)

    def start(self):
        if self._deferred:
            self._records.start()
        self._replies.start()

    def stop(self):
        """Writes what waits, then stops."""
        self._records.stop()
        self._replies.stop()

    def submit(self, task, *args) -> bool:
        """Runs a small task (e.g. a skipped run's claim) on the reply pool; False when stopped."""
        return self._replies.submit(task, *args)

    def record_later(self, run: CronRunV1):
        """Records on the record pool; inline when there is none, its backlog is full or it is stopped."""
        if not self._records.try_submit(lambda: self.record(run)):
            self.record(run)

    def record(self, run: CronRunV1):
        """Keeps a run's outcome: history, the job's last_result, the reply hook."""
        try:
            run = self._runs.add_run(None, run, self._history_size)
            self._jobs.set_last_result(None, run.group_name, run.job_id, run.summary())
        except Exception as ex:
            self._logger.error(None, ex, f'Cannot record the run of cron job {run.group_name}/{run.job_id}')
        for observer in self._observers:
            try:
                observer(run)
            except Exception as ex:  # an observer never breaks a run
                self._logger.warn(None, f'A cron run observer failed: {ex}')
        if self._reply_url:
            self._post_reply(run)

    def _post_reply(self, run: CronRunV1):
        """The reply hook in its own pool: a slow hook never holds a run's worker."""
        if self._replies.try_submit(lambda: self._reply(run)):
            return
        with self._dropped_lock:
            self._reply_dropped += 1
            dropped = self._reply_dropped
        if dropped == 1 or dropped % 1000 == 0:
            self._logger.warn(None, f'Reply hook backlog full: {dropped} replies dropped so far')

    def _reply(self, run: CronRunV1):
        session = getattr(self._local, 'session', None) or requests.Session()
        self._local.session = session
        try:
            session.post(self._reply_url, data=to_json(run), headers={'Content-Type': 'application/json'},
                         timeout=self._reply_timeout)
        except requests.RequestException as ex:
            self._logger.warn(None, f'Reply hook {self._reply_url} failed: {ex}')
