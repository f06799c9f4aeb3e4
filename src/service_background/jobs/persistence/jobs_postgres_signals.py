"""The cross-process queue signal of a PostgreSQL jobs store: LISTEN/NOTIFY on one channel per jobs table.

A write that makes jobs takeable sends ``pg_notify`` in its own statement or transaction, so the
notice is delivered at commit, never before the jobs can be taken. Its payload names the sending
process and the count per type; one listener thread per process (its own connection, outside the pool)
wakes the waiters of the types other processes filled. A listener that loses its connection reconnects
and wakes every waiter once, since notices sent meanwhile are lost (the poll that stands in for them)."""
import os
import threading
from typing import Callable, Dict, Iterable, Optional

import msgspec
import psycopg

from service_background.common.data import clock
from service_background.common.data.ids import random_hex
from service_background.jobs.data.version1 import JobStatusV1, JobV1

Wake = Callable[[Optional[str], int], None]  # (type, count); type None: every waiter
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode
MAX_PAYLOAD = 7000  # NOTIFY takes up to 8000 bytes; more types than fit are sent as "all of them"


def takeable_counts(jobs: Iterable[Optional[JobV1]]) -> Dict[str, int]:
    """The jobs that are takeable now (queued and due), per type."""
    now = clock.now()
    counts: Dict[str, int] = {}
    for job in jobs:
        if job is not None and job.status == JobStatusV1.Queued and (job.not_before is None or job.not_before <= now):
            counts[job.type] = counts.get(job.type, 0) + 1
    return counts


class JobsPostgresSignals:
    """A part of JobsPostgresPersistence: ``payload`` makes a notice's text, ``listen`` starts the listener."""

    def __init__(self, logger):
        self._logger = logger
        self._sender = f'{os.getpid()}-{random_hex(4)}'  # this process: its own notices are skipped
        self.channel = ''
        self._conninfo: Optional[str] = None
        self._wake: Optional[Wake] = None
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._listening = threading.Event()

    def open(self, channel: str, conninfo: str):
        self.channel = channel
        self._conninfo = conninfo
        self._stop.clear()

    def close(self):
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=3)

    def payload(self, counts: Dict[str, int]) -> Optional[str]:
        """The notice for ``counts`` (None when there is nothing to say)."""
        if not counts:
            return None
        text = _encode({'s': self._sender, 'c': counts}).decode()
        return text if len(text) <= MAX_PAYLOAD else _encode({'s': self._sender, 'c': None}).decode()

    def listen(self, wake: Wake):
        """Starts the listener (once): ``wake(type, n)`` for what other processes made takeable."""
        self._wake = wake
        if self._thread is None and self._conninfo is not None:
            self._thread = threading.Thread(target=self._run, name='postgres-jobs-listener', daemon=True)
            self._thread.start()

    def _run(self):
        delay = 0.1
        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f'LISTEN {self.channel}')
                    self._listening.set()
                    if not first:
                        self._wake(None, 0)  # notices sent while we were away are lost
                    first, delay = False, 0.1
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.5):
                            self._deliver(notice.payload)
            except Exception as ex:
                self._listening.clear()
                if self._stop.is_set():
                    return
                self._logger.warn(None, f'Jobs queue listener lost its connection: {ex}')
                self._stop.wait(delay)
                delay = min(2.0, delay * 2)

    def _deliver(self, payload: str):
        try:
            notice = _decode(payload)
        except msgspec.DecodeError:
            return
        if notice.get('s') == self._sender:
            return  # this process woke its own waiters when it wrote
        counts = notice.get('c')
        if counts is None:
            self._wake(None, 0)
            return
        for type, n in counts.items():
            self._wake(type, n)

    def wait_listening(self, timeout_s: float = 5.0) -> bool:
        """Whether the listener has said LISTEN (tests: a notice sent after this reaches it)."""
        return self._listening.wait(timeout_s)
