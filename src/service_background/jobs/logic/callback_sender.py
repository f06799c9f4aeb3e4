"""Posts finished jobs to their callback_url from background threads, retrying with bounded
exponential backoff, so a slow or failing receiver never delays the request that finished the job.
Pending callbacks live in memory: a restart drops them. Every connection obeys the outbound rules
(``policy()``, the process's by default): a refused callback is dropped at once (logged, not retried)."""
import heapq
import itertools
import threading
import time
from typing import Callable, List, Optional, Tuple

import requests
from pip_services3_components.log import CompositeLogger

from service_background.common.clients.outbound import OutboundDenied, OutboundPolicy, current_policy, outbound_session
from service_background.common.data.json_util import to_json
from service_background.jobs.data.version1 import JobV1


class CallbackSender:

    def __init__(self, retries: int = 5, backoff_ms: float = 1000, max_backoff_ms: float = 60000,
                 timeout_ms: float = 10000, threads: int = 4, logger: Optional[CompositeLogger] = None,
                 policy: Optional[Callable[[], OutboundPolicy]] = None):
        self._policy = policy or current_policy
        self._retries = retries
        self._backoff = backoff_ms / 1000.0
        self._max_backoff = max_backoff_ms / 1000.0
        self._timeout = timeout_ms / 1000.0
        self._thread_count = max(1, threads)
        self._logger = logger or CompositeLogger()
        self._pending: List[Tuple[float, int, int, str, str]] = []  # (due, seq, attempt, url, body)
        self._seq = itertools.count()
        self._condition = threading.Condition()
        self._threads: List[threading.Thread] = []
        self._stopped = True

    def start(self):
        with self._condition:
            if not self._stopped:
                return
            self._stopped = False
        self._threads = [threading.Thread(target=self._run, name=f'jobs-callbacks-{i}', daemon=True)
                         for i in range(self._thread_count)]
        for thread in self._threads:
            thread.start()

    def stop(self):
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        for thread in self._threads:
            thread.join(timeout=self._timeout + 1)
        self._threads = []

    def send(self, job: JobV1):
        if job.callback_url:
            self._schedule(time.monotonic(), 0, job.callback_url, to_json(job))

    # hooks of the durable outbox (callback_outbox.py): a callback delivered, or given up
    def _delivered(self, url: str, body: str):
        pass

    def _dropped_callback(self, url: str, body: str):
        pass

    def _schedule(self, due: float, attempt: int, url: str, body: str):
        with self._condition:
            heapq.heappush(self._pending, (due, next(self._seq), attempt, url, body))
            self._condition.notify()

    def _next(self) -> Optional[Tuple[float, int, int, str, str]]:
        with self._condition:
            while not self._stopped:
                if self._pending and self._pending[0][0] <= time.monotonic():
                    return heapq.heappop(self._pending)
                wait = self._pending[0][0] - time.monotonic() if self._pending else None
                self._condition.wait(wait)
            return None

    def _run(self):
        session = outbound_session(self._policy)
        while True:
            item = self._next()
            if item is None:
                return
            _, _, attempt, url, body = item
            try:
                self._deliver(session, attempt, url, body)
            except Exception as ex:  # the hooks' store failed (a database outage): this thread goes on
                self._logger.error(None, ex, f'Callback to {url}: its outcome was not recorded')

    def _deliver(self, session, attempt: int, url: str, body: str):
        """One attempt at one callback, and what follows it: delivered, dropped or scheduled again."""
        try:
            response = session.post(url, data=body, headers={'Content-Type': 'application/json'},
                                    timeout=self._timeout)
            if response.status_code < 300:
                self._delivered(url, body)
                return
            problem = f'status {response.status_code}'
        except OutboundDenied as ex:
            self._logger.warn(None, f'Callback to {url} refused: {ex}; dropped')
            self._dropped_callback(url, body)
            return
        except requests.RequestException as ex:
            problem = str(ex)
        if attempt < self._retries:
            delay = min(self._backoff * (2 ** attempt), self._max_backoff)
            self._schedule(time.monotonic() + delay, attempt + 1, url, body)
        else:
            self._logger.warn(None, f'Callback to {url} failed {attempt + 1} times ({problem}); dropped')
            self._dropped_callback(url, body)
