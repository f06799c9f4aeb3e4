"""Keeps each run's outcome (run history, the job's last_result, the reply hook). On a shared store
(a database) a small pool writes them off the run's worker, so a burst of due runs fires before any of
them is recorded; on memory and files the worker writes them (cheaper than a hand-over)."""
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
        self._lock = threading.Lock()
        self._record_pool: Optional[ThreadPoolExecutor] = None
        self._record_backlog = 0
        self._reply_pool: Optional[ThreadPoolExecutor] = None
        self._reply_backlog = 0
        self._reply_dropped = 0
        self._local = threading.local()
        self._observers: List[Callable[[CronRunV1], None]] = []

    def add_observer(self, observer: Callable[[CronRunV1], None]):
        """Called with every run once it is recorded (the metrics count them); never breaks a run."""
        if observer not in self._observers:
            self._observers.append(observer)

    def start(self):
        if self._deferred:
            self._record_pool = ThreadPoolExecutor(RECORD_WORKERS, thread_name_prefix='cron-record')
        self._reply_pool = ThreadPoolExecutor(REPLY_WORKERS, thread_name_prefix='cron-reply')

    def stop(self):
        """Writes what waits, then stops."""
        for pool in (self._record_pool, self._reply_pool):
            if pool is not None:
                pool.shutdown(wait=False)
        self._record_pool = self._reply_pool = None

    def submit(self, task, *args) -> bool:
        """Runs a small task (e.g. a skipped run's claim) on the reply pool; False when stopped."""
        pool = self._reply_pool
        try:
            if pool is not None:
                pool.submit(task, *args)
                return True
        except RuntimeError:
            pass
        return False

    def record_later(self, run: CronRunV1):
        """Records on the record pool; inline when there is none, its backlog is full or it is stopped."""
        pool = self._record_pool
        with self._lock:
            if pool is None or self._record_backlog >= RECORD_BACKLOG:
                pool = None
            else:
                self._record_backlog += 1
        if pool is None:
            self.record(run)
            return

        def write():
            try:
                self.record(run)
            finally:
                with self._lock:
                    self._record_backlog -= 1
        try:
            pool.submit(write)
        except RuntimeError:  # stopped meanwhile
            with self._lock:
                self._record_backlog -= 1
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
        pool = self._reply_pool
        with self._lock:
            if pool is None or self._reply_backlog >= REPLY_BACKLOG:
                self._reply_dropped += 1
                dropped = self._reply_dropped
                pool = None
            else:
                self._reply_backlog += 1
        if pool is None:
            if dropped == 1 or dropped % 1000 == 0:
                self._logger.warn(None, f'Reply hook backlog full: {dropped} replies dropped so far')
            return

        def post():
            try:
                self._reply(run)
            finally:
                with self._lock:
                    self._reply_backlog -= 1
        try:
            pool.submit(post)
        except RuntimeError:
            with self._lock:
                self._reply_backlog -= 1

    def _reply(self, run: CronRunV1):
        session = getattr(self._local, 'session', None) or requests.Session()
        self._local.session = session
        try:
            session.post(self._reply_url, data=to_json(run), headers={'Content-Type': 'application/json'},
                         timeout=self._reply_timeout)
        except requests.RequestException as ex:
            self._logger.warn(None, f'Reply hook {self._reply_url} failed: {ex}')
