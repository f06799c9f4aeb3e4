"""The jobs domain's side stores on a real PostgreSQL: queue limits, pauses and batches through their
interfaces, the shared queue limit gate (two gates on two connections race like two processes) and the
callback outbox."""
import threading
import time
import uuid
from datetime import timedelta

import pytest
from pip_services3_commons.config import ConfigParams

from service_background.common.data import clock
from service_background.jobs.data.version1.job_batch_v1 import JobBatchV1
from service_background.jobs.data.version1.job_v1 import JobV1
from service_background.jobs.data.version1.queue_limit_v1 import QueueLimitV1
from service_background.jobs.data.version1.queue_pause_v1 import QueuePauseV1
from service_background.jobs.logic.callback_outbox import OutboxCallbackSender
from service_background.jobs.persistence import (
    IJobBatchesPersistence,
    IQueueLimitsPersistence,
    IQueuePausesPersistence,
    JobBatchesPostgresPersistence,
    QueueLimitsPostgresPersistence,
    QueuePausesPostgresPersistence,
)
from service_background.jobs.persistence.callback_outbox_postgres_store import CallbackOutboxPostgresStore
from service_background.jobs.persistence.callback_outbox_store import CallbackOutboxEntryV1, new_key
from service_background.jobs.persistence.i_queue_limit_gate import FULL
from service_background.jobs.persistence.queue_limit_postgres_gate import QueueLimitPostgresGate

from ..helpers import free_port, unique_name


@pytest.fixture
def open_store(postgres_uri):
    """Opens components on the test's own table prefix (each on a connection of its own, as processes)."""
    prefix = unique_name('side') + '_'
    opened = []

    def open_(component):
        component.configure(ConfigParams.from_tuples('connection.uri', postgres_uri, 'table_prefix', prefix))
        component.open(None)
        opened.append(component)
        return component
    yield open_
    for component in opened:
        component.close(None)


def _job(type: str, locked_until) -> JobV1:
    return JobV1(id=uuid.uuid4().hex, type=type, locked_until=locked_until)


# --- limits, pauses, batches --------------------------------------------------------------------
def test_queue_limits_are_set_listed_by_type_and_deleted(open_store):
    store: IQueueLimitsPersistence = open_store(QueueLimitsPostgresPersistence())
    now = clock.now()
    store.set(None, QueueLimitV1('b', concurrency=2, updated=now))
    store.set(None, QueueLimitV1('a', rate_limit=5, rate_period_ms=1000, updated=now))
    store.set(None, QueueLimitV1('b', concurrency=3, updated=now))  # replaces
    limits = store.get_list_by_filter(None)
    assert [(x.id, x.concurrency, x.rate_limit) for x in limits] == [('a', None, 5), ('b', 3, None)]
    assert limits[0].updated == now
    assert store.delete_by_id(None, 'a').rate_period_ms == 1000
    assert store.delete_by_id(None, 'a') is None
    assert [x.id for x in store.get_list_by_filter(None)] == ['b']
    assert [x.id for x in store.get_list_by_filter(None, {'concurrency': 3})] == ['b']
    assert store.get_list_by_filter(None, {'concurrency': 2}) == []


def test_queue_pauses_are_set_listed_and_deleted(open_store):
    store: IQueuePausesPersistence = open_store(QueuePausesPostgresPersistence())
    now = clock.now()
    for type in ('z', 'm', 'a'):
        store.set(None, QueuePauseV1(type, now))
    assert [(p.id, p.paused_at) for p in store.get_list_by_filter(None)] == [('a', now), ('m', now), ('z', now)]
    assert store.delete_by_id(None, 'm') == QueuePauseV1('m', now)
    store.delete_all(None)
    assert store.get_list_by_filter(None) == []


def test_job_batches_are_sealed_claimed_done_once_and_deleted(open_store):
    store: IJobBatchesPersistence = open_store(JobBatchesPostgresPersistence())
    created = store.create(None, JobBatchV1(description='nightly', callback_url='http://127.0.0.1:1/x',
                                            created=clock.now()))
    assert created.id and store.get_one_by_id(None, created.id) == created
    assert store.claim_done(None, created.id, clock.now()) is False  # not sealed yet
    store.set_fields(None, created.id, {'sealed': True})
    done_at = clock.now()
    assert store.claim_done(None, created.id, done_at) is True
    assert store.claim_done(None, created.id, done_at) is False  # already done: one claim wins
    batch = store.get_one_by_id(None, created.id)
    assert batch.sealed and batch.done and batch.completed == done_at and batch.description == 'nightly'
    assert store.get_one_by_id(None, 'nope') is None
    assert store.delete_by_id(None, created.id).id == created.id
    assert store.get_one_by_id(None, created.id) is None


def test_a_batch_claimed_by_two_processes_at_once_is_done_once(open_store):
    stores = [open_store(JobBatchesPostgresPersistence()) for _ in range(2)]
    ids = [stores[0].create(None, JobBatchV1(sealed=True)).id for _ in range(20)]
    wins = []

    def claim(store):
        for batch_id in ids:
            if store.claim_done(None, batch_id, clock.now()):
                wins.append(batch_id)
    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(wins) == sorted(ids)


# --- the queue limit gate -----------------------------------------------------------------------
def _gate(open_store, bumps=None):
    return open_store(QueueLimitPostgresGate('jobs', lambda type, n: bumps.append((type, n))
                                             if bumps is not None else None))


def test_two_gates_racing_never_run_more_than_the_concurrency(open_store):
    gates = [_gate(open_store), _gate(open_store)]  # two connections: two processes
    limit = QueueLimitV1('c', concurrency=2)
    lock = threading.Lock()
    running, most, taken, full = set(), [0], [0], [0]

    def take_one(type):
        job = _job(type, clock.now() + timedelta(minutes=1))
        with lock:
            running.add(job.id)
            most[0] = max(most[0], len(running))
        return job

    def worker(gate):
        deadline = time.monotonic() + 20
        for _ in range(40):
            if time.monotonic() > deadline:
                break
            job, wake = gate.take(limit, take_one, 'c', clock.now(), 60000)
            if job is None:
                assert wake == FULL
                with lock:
                    full[0] += 1
                continue
            time.sleep(0.002)
            with lock:
                running.discard(job.id)
                taken[0] += 1
            gate.job_left(job)  # after leaving `running`: the slots held always cover it
    threads = [threading.Thread(target=worker, args=(gates[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert most[0] <= 2 and taken[0] > 0, (most, taken, full)
    assert gates[0].running_slots('c') == 0


def test_the_rate_window_counts_across_gates_and_the_next_window_opens(open_store):
    gates = [_gate(open_store), _gate(open_store)]
    limit = QueueLimitV1('r', rate_limit=3, rate_period_ms=3_600_000)
    window = clock.to_epoch_ms(clock.now()) // limit.rate_period_ms
    now = clock.to_datetime((window * limit.rate_period_ms) + 1000)
    results = [gates[i % 2].take(limit, lambda t: _job(t, None), 'r', now, 1000) for i in range(4)]
    assert [job is not None for job, _ in results] == [True, True, True, False]
    assert results[3][1] == (window + 1) * limit.rate_period_ms  # when the window ends
    later = clock.to_datetime((window + 1) * limit.rate_period_ms)
    assert gates[1].take(limit, lambda t: _job(t, None), 'r', later, 1000)[0] is not None


def test_a_take_that_finds_nothing_gives_back_its_slot_and_rate(open_store):
    gate = _gate(open_store)
    limit = QueueLimitV1('g', concurrency=1, rate_limit=1, rate_period_ms=3_600_000)
    now = clock.now()
    assert gate.take(limit, lambda t: None, 'g', now, 60000) == (None, None)
    assert gate.running_slots('g') == 0

    def failing(type):
        raise RuntimeError('the take failed')
    with pytest.raises(RuntimeError):
        gate.take(limit, failing, 'g', now, 60000)
    job, wake = gate.take(limit, lambda t: _job(t, now + timedelta(minutes=1)), 'g', now, 60000)
    assert job is not None and wake is None  # neither the slot nor the one take of the window was used
    assert gate.take(limit, lambda t: _job(t, None), 'g', now, 60000) == (None, FULL)


def test_a_job_that_leaves_frees_its_slot_and_bumps_the_signal(open_store):
    bumps = []
    gates = [_gate(open_store, bumps), _gate(open_store, bumps)]
    limit = QueueLimitV1('l', concurrency=1)
    now = clock.now()
    job, _ = gates[0].take(limit, lambda t: _job(t, now + timedelta(minutes=1)), 'l', now, 60000)
    assert gates[1].take(limit, lambda t: _job(t, None), 'l', now, 60000) == (None, FULL)
    gates[1].job_left(_job('l', None))  # a job without a slot: nothing freed, no signal
    assert bumps == []
    gates[1].job_left(job)
    assert bumps == [('l', 1)]
    assert gates[1].take(limit, lambda t: _job(t, now + timedelta(minutes=1)), 'l', now, 60000)[0] is not None


def test_a_slot_lasts_as_its_lease_and_frees_when_the_lease_ran_out(open_store):
    gate = _gate(open_store)
    limit = QueueLimitV1('e', concurrency=1)
    now = clock.now()
    job, _ = gate.take(limit, lambda t: _job(t, now + timedelta(seconds=1)), 'e', now, 60000)
    job.locked_until = now + timedelta(hours=1)
    gate.job_extended(job)
    later = now + timedelta(seconds=2)
    assert gate.take(limit, lambda t: _job(t, None), 'e', later, 60000) == (None, FULL)  # extended: still held
    job.locked_until = now + timedelta(seconds=1)
    gate.job_extended(job)
    other, _ = gate.take(limit, lambda t: _job(t, later + timedelta(minutes=1)), 'e', later, 60000)
    assert other is not None and gate.running_slots('e') == 1  # the lapsed slot went with the claim


# --- the callback outbox ------------------------------------------------------------------------
def test_the_outbox_keeps_entries_in_key_order(open_store):
    store = open_store(CallbackOutboxPostgresStore(unique_name('o') + '_outbox'))
    keys = [new_key() for _ in range(5)]
    for key in reversed(keys):
        store.add(CallbackOutboxEntryV1(key, 'http://127.0.0.1:1/hook', '{"id": "' + key + '"}', 0))
    assert [e.id for e in store.load_all()] == keys and store.count() == 5
    store.set_attempt(keys[1], 3)
    store.delete(keys[0])
    store.delete('missing')
    entries = store.load_all()
    assert [(e.id, e.attempt) for e in entries[:2]] == [(keys[1], 3), (keys[2], 0)]
    assert entries[0].body == '{"id": "' + keys[1] + '"}' and entries[0].url == 'http://127.0.0.1:1/hook'
    assert store.oldest_keys(2) == keys[1:3] and store.oldest_keys(10) == keys[1:]
    assert store.count() == 4


def test_the_outbox_drops_the_oldest_past_its_bound(open_store):
    store = open_store(CallbackOutboxPostgresStore())
    sender = OutboxCallbackSender(store, 3)  # not started: nothing is sent, entries stay pending
    url = f'http://127.0.0.1:{free_port()}/hook'
    jobs = [JobV1(id=f'job{i}', type='cb', callback_url=url) for i in range(5)]
    for job in jobs:
        sender.send(job)
    entries = store.load_all()
    assert store.count() == 3 == sender.size
    assert [f'"job{i}"' in entry.body for i, entry in zip((2, 3, 4), entries)] == [True, True, True], entries


def test_a_live_sender_keeps_its_callbacks_and_a_stopping_one_hands_them_over(open_store):
    table = unique_name('o') + '_outbox'
    url = f'http://127.0.0.1:{free_port()}/hook'  # refused: each callback waits for a retry far away
    senders = [OutboxCallbackSender(open_store(CallbackOutboxPostgresStore(table)), 10, 3, 600000,
                                    claim_interval_ms=300) for _ in range(2)]
    first, second = senders
    try:
        first.start()
        for i in range(3):
            first.send(JobV1(id=f'job{i}', type='cb', callback_url=url))
        second.start()
        time.sleep(1.5)  # past three claim intervals: only renewals keep the entries the first's
        assert (first.size, second.size) == (3, 0)
        first.stop()  # hands them over: the second claims them on its next round
        for _ in range(100):
            if second.size == 3:
                break
            time.sleep(0.05)
        entries = open_store(CallbackOutboxPostgresStore(table)).load_all()
        assert second.size == 3 and [e.owner for e in entries] == [second.owner] * 3
    finally:
        for sender in senders:
            sender.stop()

