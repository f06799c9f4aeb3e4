"""A durable, bounded outbox for job callbacks.

``OutboxCallbackSender`` is the CallbackSender (same threads, backoff and outbound rules) whose pending
callbacks are written to the jobs domain's own store (``callback_outbox_store.py``) before ``send``
returns, removed once delivered or given up, and re-queued from the store at the next start, so a
restart loses none (delivery is at least once: a callback in flight during a crash is sent again).

The outbox holds at most ``max_size`` callbacks: past that the oldest are dropped (from the store and
the in-memory queue) and the count is logged, so a receiver that hangs costs bounded memory however
many jobs finish. Several processes sharing one MongoDB each re-send, at start, every entry they find."""
import heapq
import threading
import time
from typing import Optional, Set

from pip_services3_components.log import CompositeLogger

from service_background.common.data.json_util import to_json
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.logic.callback_sender import CallbackSender
from service_background.jobs.persistence.callback_outbox_store import (
    CallbackOutboxEntryV1,
    ICallbackOutboxStore,
    new_key,
)

DROP_LOG_INTERVAL_S = 10.0


class _Body(str):
    """A callback body that knows its outbox key (it rides through CallbackSender's queue as is)."""
    key: str


def _body(text: str, key: str) -> _Body:
    body = _Body(text)
    body.key = key
    return body


class OutboxCallbackSender(CallbackSender):

    def __init__(self, store: ICallbackOutboxStore, max_size: int = 10000, *args,
                 logger: Optional[CompositeLogger] = None, **kwargs):
        super().__init__(*args, logger=logger, **kwargs)
        self._store = store
        self._max_size = max(1, int(max_size))
        self._size = 0  # entries in the store (this process's view)
        self._dropped: Set[str] = set()  # keys dropped while queued or in flight
        self._drop_count = 0
        self._drop_logged = time.monotonic()
        self._store_lock = threading.Lock()

    @property
    def size(self) -> int:
        return self._size

    @property
    def queued(self) -> int:
        with self._condition:
            return len(self._pending)

    def start(self):
        entries = self._store.load_all()
        if len(entries) > self._max_size:
            for entry in entries[:len(entries) - self._max_size]:
                self._store.delete(entry.id)
            self._logger.warn(None, f'Callback outbox: dropped {len(entries) - self._max_size} oldest '
                                    f'pending callbacks over its bound of {self._max_size}')
            entries = entries[len(entries) - self._max_size:]
        self._size = len(entries)
        now = time.monotonic()
        with self._condition:
            for entry in entries:
                heapq.heappush(self._pending, (now, next(self._seq), entry.attempt, entry.url,
                                               _body(entry.body, entry.id)))
        if entries:
            self._logger.info(None, f'Callback outbox: {len(entries)} pending callbacks resumed')
        super().start()

    def stop(self):
        super().stop()
        with self._condition:
            self._pending = []
        self._store.close()

    # --- CallbackSender's hooks -----------------------------------------------------------------
    def send(self, job: JobV1):
        if not job.callback_url:
            return
        key = new_key()
        body = to_json(job)
        with self._store_lock:
            self._store.add(CallbackOutboxEntryV1(key, job.callback_url, body, 0))
            self._size += 1
            over = self._size - self._max_size
            if over > 0:
                self._drop_oldest(over)
        self._schedule(time.monotonic(), 0, job.callback_url, _body(body, key))

    def _schedule(self, due: float, attempt: int, url: str, body: str):
        key = getattr(body, 'key', None)
        if key is not None and attempt > 0:
            with self._store_lock:
                if key in self._dropped:  # dropped while in flight: no retry
                    self._dropped.discard(key)
                    return
                self._store.set_attempt(key, attempt)
        super()._schedule(due, attempt, url, body)

    def _delivered(self, url: str, body: str):
        self._forget(body)

    def _dropped_callback(self, url: str, body: str):
        self._forget(body)

    # --- the bound ----------------------------------------------------------------------------
    def _forget(self, body: str):
        key = getattr(body, 'key', None)
        if key is None:
            return
        with self._store_lock:
            if key in self._dropped:
                self._dropped.discard(key)
                return
            self._store.delete(key)
            self._size = max(0, self._size - 1)

    def _drop_oldest(self, count: int):
        """Caller holds the store lock."""
        keys = self._store.oldest_keys(count)
        for key in keys:
            self._store.delete(key)
        self._size = max(0, self._size - len(keys))
        self._dropped.update(keys)
        self._drop_count += len(keys)
        with self._condition:
            # drop the queued copies at once when they are a good share of the queue (amortised O(1))
            if len(self._dropped) * 4 >= len(self._pending) or len(self._dropped) >= 1024:
                kept = [item for item in self._pending if getattr(item[4], 'key', None) not in self._dropped]
                removed = {getattr(item[4], 'key', None) for item in self._pending} - \
                    {getattr(item[4], 'key', None) for item in kept}
                heapq.heapify(kept)
                self._pending = kept
                self._dropped -= removed  # the rest are in flight: their retry is refused
        now = time.monotonic()
        if now - self._drop_logged >= DROP_LOG_INTERVAL_S or self._drop_count == len(keys):
            self._logger.warn(None, f'Callback outbox over its bound of {self._max_size}: dropped '
                                    f'{self._drop_count} oldest pending callbacks so far')
            self._drop_logged = now

    def _next(self):
        while True:
            item = super()._next()
            if item is None:
                return None
            key = getattr(item[4], 'key', None)
            with self._store_lock:
                if key is not None and key in self._dropped:
                    self._dropped.discard(key)
                    continue
            return item
