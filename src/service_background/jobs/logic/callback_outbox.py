"""A durable, bounded outbox for job callbacks.

``OutboxCallbackSender`` is the CallbackSender (same threads, backoff and outbound rules) whose pending
callbacks are written to the jobs domain's own store (``callback_outbox_store.py``) before ``send``
returns, removed once delivered or given up, so a restart loses none (delivery is at least once: a
callback in flight during a crash is sent again).

Claims: each sender is an owner (a random id). It renews its claim on its entries every
``claim_interval_ms`` with one write, and at start and then every interval claims the entries whose
owner has not renewed them for ``STALE_INTERVALS`` intervals (a process that died), one process each, and
queues them; a stopping sender hands its entries over at once. Processes sharing a MongoDB or PostgreSQL
database thus never re-send each other's live entries; a file or memory store has one process, so every
entry found at start is a former run's.

The outbox holds at most ``max_size`` callbacks: past that the oldest are dropped (from the store and
the in-memory queue) and the count is logged, so a receiver that hangs costs bounded memory however
many jobs finish."""
import heapq
import threading
import time
import uuid
from typing import List, Optional, Set

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
STALE_INTERVALS = 3  # an owner silent this many claim intervals is gone
MIN_CLAIM_INTERVAL_MS = 50


def _now_ms() -> int:
    """Wall-clock ms: touches are compared across processes (and hosts, whose clocks may differ a little)."""
    return time.time_ns() // 1_000_000


class _Body(str):
    """A callback body that knows its outbox key (it rides through CallbackSender's queue as is)."""
    key: str


def _body(text: str, key: str) -> _Body:
    body = _Body(text)
    body.key = key
    return body


class OutboxCallbackSender(CallbackSender):

    def __init__(self, store: ICallbackOutboxStore, max_size: int = 10000, *args,
                 logger: Optional[CompositeLogger] = None, claim_interval_ms: float = 5000, **kwargs):
        super().__init__(*args, logger=logger, **kwargs)
        self._store = store
        self._max_size = max(1, int(max_size))
        self._claim_interval_ms = max(MIN_CLAIM_INTERVAL_MS, int(claim_interval_ms or 5000))
        self._owner = uuid.uuid4().hex
        self._size = 0  # entries in the store this process owns (its view)
        self._dropped: Set[str] = set()  # keys dropped while queued or in flight
        self._drop_count = 0
        self._drop_logged = time.monotonic()
        self._store_lock = threading.Lock()
        self._claims_stopped = threading.Event()
        self._claimer: Optional[threading.Thread] = None

    @property
    def owner(self) -> str:
        """This sender's id in the store's ``owner`` field."""
        return self._owner

    @property
    def size(self) -> int:
        return self._size

    @property
    def queued(self) -> int:
        with self._condition:
            return len(self._pending)

    def start(self):
        self._claims_stopped.clear()
        self.claim_stale()
        super().start()
        if self._claimer is None:
            self._claimer = threading.Thread(target=self._keep_claims, name='jobs-callback-claims', daemon=True)
            self._claimer.start()

    def stop(self):
        self._claims_stopped.set()
        if self._claimer is not None:
            self._claimer.join(timeout=self._claim_interval_ms / 1000.0 + 10)
            self._claimer = None
        super().stop()
        with self._condition:
            self._pending = []
        try:
            self._store.renew(self._owner, 0)  # stale now: another process claims them on its next round
        except Exception as ex:  # the database may be gone already; its entries go stale in time
            self._logger.debug(None, f'Callback outbox: entries not handed over at stop: {ex}')
        self._store.close()

    # --- claims -------------------------------------------------------------------------------
    def claim_stale(self) -> List[str]:
        """Claims and queues the entries of owners gone silent (up to the bound); returns their keys."""
        now = _now_ms()
        entries = self._store.claim_stale(self._owner, now, now - STALE_INTERVALS * self._claim_interval_ms,
                                          self._max_size)
        if not entries:
            return []
        due = time.monotonic()
        with self._store_lock:
            self._size += len(entries)
            with self._condition:
                for entry in entries:
                    heapq.heappush(self._pending, (due, next(self._seq), entry.attempt, entry.url,
                                                   _body(entry.body, entry.id)))
                self._condition.notify_all()
            over = self._size - self._max_size
            if over > 0:
                self._drop_oldest(over)
        self._logger.info(None, f'Callback outbox: {len(entries)} pending callbacks claimed')
        return [entry.id for entry in entries]

    def _keep_claims(self):
        while not self._claims_stopped.wait(self._claim_interval_ms / 1000.0):
            try:
                self._store.renew(self._owner, _now_ms())
                self.claim_stale()
            except Exception as ex:  # a database outage: the next round tries again
                self._logger.warn(None, f'Callback outbox: claims not renewed: {ex}')

    # --- CallbackSender's hooks -----------------------------------------------------------------
    def send(self, job: JobV1):
        if not job.callback_url:
            return
        key = new_key()
        body = to_json(job)
        with self._store_lock:
            self._store.add(CallbackOutboxEntryV1(key, job.callback_url, body, 0, self._owner, _now_ms()))
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
        keys = self._store.oldest_keys(count, self._owner)
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
