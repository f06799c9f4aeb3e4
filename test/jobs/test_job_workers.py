"""The live workers registry: its stores on memory, MongoDB and PostgreSQL, and JobWorkers on them: what a worker
says of itself checked (400 BAD_WORKER), writes throttled per worker, the latest info written once due, workers
dropping off after three heartbeats, and stale ones swept from a store shared by two processes' components."""
import time
from datetime import timedelta

import pytest
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor, References

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobWorkerV1
from service_background.jobs.logic.job_workers import JobWorkers
from service_background.jobs.persistence import (
    JobWorkersMemoryPersistence,
    JobWorkersMongoDbPersistence,
    JobWorkersPostgresPersistence,
)

from ..helpers import persistence_fixture

store = persistence_fixture({'memory': JobWorkersMemoryPersistence, 'mongodb': JobWorkersMongoDbPersistence,
                             'postgres': JobWorkersPostgresPersistence}, 'job_workers')

FIELDS = ['id', 'host', 'pid', 'version', 'types', 'concurrency', 'running', 'busy', 'idle', 'last_seen', 'started',
          'heartbeat_ms']


class CountingStore(JobWorkersMemoryPersistence):
    """The memory store, keeping a copy of every worker written."""

    def __init__(self):
        super().__init__()
        self.writes = []

    def set(self, correlation_id, item):
        self.writes.append(item.clone())
        return super().set(correlation_id, item)


def make_workers(persistence, opened: bool = False, **options) -> JobWorkers:
    workers = JobWorkers()
    workers.configure(ConfigParams.from_tuples(*[item for name, value in options.items()
                                                 for item in ('options.' + name, value)]))
    workers.set_references(References.from_tuples(
        Descriptor('service-background-jobs', 'persistence-workers', 'memory', 'default', '1.0'), persistence))
    if opened:
        workers.open(None)
    return workers


def worker(id: str = 'host-a:100:abc123', **fields) -> dict:
    return dict({'id': id, 'host': 'host-a', 'pid': 100, 'version': '1.2.3', 'types': ['mail', 'pdf'],
                 'concurrency': 4, 'running': ['j1', 'j2'], 'busy': 2, 'idle': 2, 'heartbeat_ms': 1000}, **fields)


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'condition not met in time'
        time.sleep(0.02)


# --- the stores ---------------------------------------------------------------------------------
def test_a_worker_is_stored_replaced_and_listed(store):
    now = clock.now()
    a = JobWorkerV1(**dict(worker(), last_seen=now, started=now - timedelta(minutes=5)))
    assert store.set(None, a) == a
    assert store.get_one_by_id(None, a.id) == a
    assert list(store.get_one_by_id(None, a.id).to_json()) == FIELDS
    changed = JobWorkerV1(**dict(worker(busy=3, idle=1, running=['j1', 'j2', 'j3']), last_seen=now, started=now))
    store.set(None, changed)
    store.set(None, JobWorkerV1(**dict(worker('b'), last_seen=now, started=now)))
    assert store.get_one_by_id(None, a.id) == changed
    assert sorted(w.id for w in store.get_list_by_filter(None)) == ['b', a.id]
    assert store.get_one_by_id(None, 'unknown') is None


def test_only_workers_not_seen_again_are_deleted(store):
    then = clock.now() - timedelta(seconds=30)
    old = [JobWorkerV1(id=id, last_seen=then, started=then) for id in ('a', 'b', 'c')]
    for item in old:
        store.set(None, item)
    store.set(None, JobWorkerV1(id='b', last_seen=clock.now(), started=then))  # seen again since it was read
    assert store.delete_unchanged(None, old[:2]) == 1
    assert sorted(w.id for w in store.get_list_by_filter(None)) == ['b', 'c']
    assert store.delete_unchanged(None, []) == 0
    assert store.delete_unchanged(None, [JobWorkerV1(id='unknown', last_seen=then)]) == 0


# --- the component ------------------------------------------------------------------------------
@pytest.mark.parametrize('bad', [
    'not an object', ['a list'], {}, {'id': ''}, {'id': 5}, {'id': 'x' * 201}, {'id': 'nul\x00'},
    worker(host=7), worker(host='h' * 256), worker(version=['1']), worker(pid='100'), worker(pid=-1),
    worker(pid=True), worker(pid=1.5), worker(concurrency='4'), worker(busy=float('nan')), worker(idle=-2),
    worker(heartbeat_ms=0), worker(heartbeat_ms=3_600_001), worker(heartbeat_ms='1000'), worker(types='mail'),
    worker(types=['']), worker(types=[1]), worker(running='j1'), worker(running=[None]),
    worker(running=['j'] * 10_001), worker(running=['x' * 201]),
])
def test_a_malformed_worker_is_refused_and_not_recorded(bad):
    persistence = CountingStore()
    workers = make_workers(persistence)
    with pytest.raises(BadRequestException) as error:
        workers.seen(None, bad)
    assert error.value.code == 'BAD_WORKER'
    assert persistence.writes == [] and workers.get_workers(None) == []


def test_what_a_worker_leaves_out_is_filled_in():
    persistence = CountingStore()
    workers = make_workers(persistence)
    before = clock.now()
    assert workers.seen(None, {'id': 'bare', 'unknown': 'dropped'}) == 'bare'
    assert workers.seen(None, {'id': 'counted', 'concurrency': 4.0, 'running': ['j1'] * 3}) == 'counted'
    assert workers.seen(None, worker('full', running=['j'] * 10_000, busy=1, idle=0)) == 'full'
    bare, counted, full = workers.get_workers(None)
    assert bare.to_json() == {'id': 'bare', 'host': None, 'pid': None, 'version': None, 'types': [],
                              'concurrency': None, 'running': [], 'busy': 0, 'idle': None,
                              'last_seen': clock.to_iso(bare.last_seen), 'started': clock.to_iso(bare.last_seen),
                              'heartbeat_ms': 1000}
    assert before <= bare.last_seen <= clock.now()
    assert (counted.concurrency, counted.busy, counted.idle) == (4, 3, 1)
    assert (full.busy, full.idle, len(full.running), full.types) == (1, 0, 10_000, ['mail', 'pdf'])


def test_many_calls_within_the_interval_make_one_write_and_the_latest_info_shows():
    persistence = CountingStore()
    workers = make_workers(persistence, write_interval=60_000)
    workers.seen(None, worker(busy=0))
    first = persistence.writes[0]
    assert len(persistence.writes) == 1 and persistence.get_one_by_id(None, first.id).busy == 0  # written at once
    for busy in range(1, 101):
        workers.seen(None, worker(busy=busy))
    assert len(persistence.writes) == 1
    assert workers.flush(None) == 0  # not due yet
    [listed] = workers.get_workers(None)
    assert listed.busy == 100 and listed.started == first.started and listed.last_seen >= first.last_seen
    workers.seen(None, worker('another'))  # another worker is written at once
    assert [w.id for w in persistence.writes] == [first.id, 'another']


def test_the_latest_info_is_written_once_due_by_the_timer():
    persistence = CountingStore()
    workers = make_workers(persistence, opened=True, write_interval=50)
    try:
        workers.seen(None, worker(busy=1))
        workers.seen(None, worker(busy=2))  # waits for the interval, unless it has passed already
        wait_for(lambda: persistence.get_one_by_id(None, worker()['id']).busy == 2)
        assert [w.busy for w in persistence.writes] == [1, 2]
    finally:
        workers.close(None)


def test_a_worker_not_seen_for_three_heartbeats_drops_off():
    workers = make_workers(CountingStore())
    workers.seen(None, worker('steady', heartbeat_ms=60_000))
    seen_at = time.monotonic()
    workers.seen(None, worker('quick', heartbeat_ms=100))
    assert [w.id for w in workers.get_workers(None)] == ['quick', 'steady']
    wait_for(lambda: [w.id for w in workers.get_workers(None)] == ['steady'])
    assert time.monotonic() - seen_at >= 0.3
    workers.seen(None, worker('quick', heartbeat_ms=100))  # back again
    assert [w.id for w in workers.get_workers(None)] == ['quick', 'steady']


def test_the_start_is_kept_from_the_store():
    persistence = CountingStore()
    started = clock.now() - timedelta(hours=1)
    persistence.set(None, JobWorkerV1(id='w', last_seen=started, started=started))
    workers = make_workers(persistence)
    workers.seen(None, worker('w'))
    assert workers.get_workers(None)[0].started == started
    assert persistence.get_one_by_id(None, 'w').started == started


def test_new_workers_past_the_bound_are_not_recorded():
    persistence = CountingStore()
    workers = make_workers(persistence, max_workers=2)
    for id in ('a', 'b', 'c'):
        assert workers.seen(None, worker(id)) == id
    assert [w.id for w in workers.get_workers(None)] == ['a', 'b']
    assert [w.id for w in persistence.writes] == ['a', 'b']


def test_processes_sharing_a_store_see_each_others_workers_and_sweep_the_gone(store):
    here, there = make_workers(store, write_interval=100), make_workers(store, write_interval=100)
    here.seen(None, worker('quick', heartbeat_ms=100))
    here.seen(None, worker('steady', heartbeat_ms=60_000))
    listed = there.get_workers(None)
    assert [w.id for w in listed] == ['quick', 'steady']
    assert listed[1].to_json() == here.get_workers(None)[1].to_json()
    there.seen(None, worker('steady', heartbeat_ms=60_000, busy=0))
    assert store.get_one_by_id(None, 'steady').started == listed[1].started  # kept from the store
    assert there.sweep(None) == 0
    wait_for(lambda: there.sweep(None) == 1)  # three heartbeats and the write interval later
    assert [w.id for w in store.get_list_by_filter(None)] == ['steady']
    assert [w.id for w in here.get_workers(None)] == ['steady']
