"""The durable, bounded callback outbox: pending callbacks survive a restart, the
oldest are dropped past the bound, and a receiver that hangs leaves RSS flat over 20,000 finished jobs;
on every backend, entries are claimed by one owner each and only once their owner went silent."""
import os
import socket
import threading
import time

from service_background.common.persistence.database_health import DatabaseUnavailableException
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.logic.callback_outbox import OutboxCallbackSender
from service_background.jobs.persistence import JobsFilePersistence, JobsMemoryPersistence
from service_background.jobs.persistence.callback_outbox_store import (
    CallbackOutboxEntryV1,
    CallbackOutboxMemoryStore,
    new_key,
)

from ..helpers import free_port, open_file_persistence
from .receiver import CallbackReceiver
from .wiring import wire


def _rss_kb() -> int:
    with open(f'/proc/{os.getpid()}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


URL = 'http://127.0.0.1:1/hook'


def _claim(store, owner: str, now_ms: int, stale_before_ms: int, limit: int = 100) -> list:
    entries = store.claim_stale(owner, now_ms, stale_before_ms, limit)
    assert all(e.owner == owner for e in entries), entries
    return [e.id for e in entries]


def test_entries_are_claimed_once_their_owner_is_silent(persistence):
    store = persistence.callback_outbox_store()
    keys = [new_key() for _ in range(4)]
    now = 1_000_000
    store.add(CallbackOutboxEntryV1(keys[0], URL, '{}', 0))  # written before owners: stale
    for key in keys[1:]:
        store.add(CallbackOutboxEntryV1(key, URL, '{"k": "' + key + '"}', 0, 'a', now))
    assert _claim(store, 'a', now, now - 1) == keys[:1]  # its own entries are never claimed again
    assert _claim(store, 'b', now + 10, now - 1) == []  # a is live
    store.renew('a', now + 1000)
    assert _claim(store, 'b', now + 2000, now + 500) == []  # renewed
    assert _claim(store, 'b', now + 2000, now + 1500, 2) == keys[:2]  # a went silent: the oldest two
    assert _claim(store, 'c', now + 2000, now + 1500) == keys[2:]  # b's are fresh; the rest of a's
    assert store.oldest_keys(10, 'c') == keys[2:] and store.oldest_keys(1) == keys[:1]
    store.renew('c', 0)  # handed over at stop
    assert _claim(store, 'b', now + 3000, now + 1500) == keys[2:]
    entries = store.load_all()
    assert [(e.id, e.owner) for e in entries] == [(key, 'b') for key in keys] and store.count() == 4
    assert entries[3].body == '{"k": "' + keys[3] + '"}' and entries[3].url == URL


def test_racing_claimers_each_get_other_entries(persistence):
    store = persistence.callback_outbox_store()
    keys = [new_key() for _ in range(200)]
    for key in keys:
        store.add(CallbackOutboxEntryV1(key, URL, '{}', 0, 'gone', 1))
    won = {f'p{i}': [] for i in range(4)}

    def claimer(owner: str):
        while True:
            claimed = _claim(store, owner, 5000, 1000, 7)
            if not claimed:
                return
            won[owner] += claimed
    threads = [threading.Thread(target=claimer, args=(owner,)) for owner in won]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [key for claimed in won.values() for key in claimed]
    assert sorted(every) == keys  # each entry once
    assert {e.owner for e in store.load_all()} <= set(won)


def test_pending_callbacks_survive_a_restart(tmp_path):
    dead = f'http://127.0.0.1:{free_port()}/hook'  # nothing listens: the callback stays pending
    persistence = open_file_persistence(JobsFilePersistence, tmp_path / 'jobs.json')
    controller, client = wire(persistence, callback_backoff=600000, callback_retries=3)
    job = client.add_job(None, {'type': 'cb', 'callback_url': dead})
    taken = client.start_job_by_type(None, 'cb', 60000)
    client.complete_job(None, job.id, {'n': 1}, lease_token=taken.lease_token)
    assert os.path.exists(tmp_path / 'jobs.outbox.json') or os.path.exists(tmp_path / 'jobs.outbox.json.journal')
    controller.close(None)
    persistence.close(None)
    # the receiver comes up at the same address only now; a new process finds the pending callback
    port = int(dead.rsplit(':', 1)[1].split('/')[0])
    receiver = CallbackReceiver()
    receiver._server.server_close()
    import threading
    from http.server import ThreadingHTTPServer
    receiver._server = ThreadingHTTPServer(('127.0.0.1', port), receiver._server.RequestHandlerClass)
    threading.Thread(target=receiver._server.serve_forever, daemon=True).start()
    persistence = open_file_persistence(JobsFilePersistence, tmp_path / 'jobs.json')
    controller, client = wire(persistence)
    try:
        got = receiver.wait(1, timeout=10)
        assert got[0]['id'] == job.id and got[0]['result'] == {'n': 1}
        for _ in range(100):
            if controller.callbacks.size == 0:
                break
            __import__('time').sleep(0.05)
        assert controller.callbacks.size == 0  # delivered: gone from the outbox
    finally:
        controller.close(None)
        persistence.close(None)


def test_a_hanging_receiver_keeps_the_outbox_bounded_and_rss_flat():
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(4096)  # accepts connections into the backlog and never answers: a hanging receiver
    url = f'http://127.0.0.1:{listener.getsockname()[1]}/hook'
    persistence = JobsMemoryPersistence()
    persistence.open(None)
    controller, client = wire(persistence, callback_timeout=2000, callback_outbox_size=1000)
    params = {'blob': 'x' * 2000}

    def finish(count: int):
        for _ in range(0, count, 1000):
            jobs = client.add_jobs(None, [{'type': 'hang', 'callback_url': url, 'params': params}
                                          for _ in range(1000)])
            client.complete_jobs(None, [j.id for j in jobs])
            client.delete_jobs(None)  # the jobs themselves are not under test
    try:
        finish(5000)
        base = _rss_kb()
        finish(15000)
        grown = _rss_kb() - base
        sender = controller.callbacks
        assert sender.size <= 1000 and sender.queued <= 1000 + 1024, (sender.size, sender.queued)
        # 15,000 unbounded bodies of ~2.5 KB would be ~37 MB
        assert grown < 12 * 1024, f'RSS grew {grown} kB over 15,000 finished jobs'
        print(f'RSS growth over 15,000 more finished jobs: {grown} kB; outbox {sender.size}, queued {sender.queued}')
    finally:
        listener.close()
        controller.close(None)


class _StoreDownOnce(CallbackOutboxMemoryStore):
    """The memory outbox whose first delete fails as a database outage would."""

    def __init__(self):
        super().__init__()
        self.failed = False

    def delete(self, key: str) -> None:
        if not self.failed:
            self.failed = True
            raise DatabaseUnavailableException(None, 'The PostgreSQL connection is closed')
        super().delete(key)


def test_a_store_that_fails_after_a_delivery_leaves_the_sender_working():
    receiver, store = CallbackReceiver(), _StoreDownOnce()
    sender = OutboxCallbackSender(store, 100, retries=0, timeout_ms=2000, threads=1)
    sender.start()
    try:
        for n in range(2):
            sender.send(JobV1(id=f'job{n}', type='t', status='done', callback_url=receiver.url))
            assert [body['id'] for body in receiver.wait(n + 1, 10)] == [f'job{i}' for i in range(n + 1)]
        assert store.failed
        deadline = time.monotonic() + 10
        while store.count() > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        entries = store.load_all()
        assert len(entries) == 1 and '"job0"' in entries[0].body  # kept for a later claim
    finally:
        sender.stop()
        receiver.close()
