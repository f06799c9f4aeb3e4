"""Fair queues in the PostgreSQL jobs store, two stores on one database standing for two processes: turns
given at create, the take order, group limits never passed by racing takes, group counts, concurrent
dependency updates that lose nothing, and the migration of a table made before groups."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from pip_services3_commons.config import ConfigParams

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.persistence.jobs_postgres_persistence import JobsPostgresPersistence
from service_background.jobs.persistence.jobs_postgres_rows import migrations

from ..helpers import unique_name

RUNNING = JobStatusV1.Running


def _open(postgres_uri, prefix, n=2):
    stores = []
    for _ in range(n):
        store = JobsPostgresPersistence()
        store.configure(ConfigParams.from_tuples('connection.uri', postgres_uri, 'table_prefix', prefix))
        store.open(None)
        stores.append(store)
    return stores


def _close(stores):
    for store in stores:
        store.close(None)


def _job(id, group=None, **fields):
    now = clock.now()
    return JobV1(**{'id': id, 'type': 't', 'created': now, 'not_before': now, 'group_key': group, **fields})


def _take(store, limit=1):
    return store.take_many(None, 't', clock.now(), 60000, 60000, limit)


def test_new_fields_come_back_and_turns_are_given_at_create(postgres_uri):
    store, = _open(postgres_uri, unique_name('fq') + '_', 1)
    try:
        made = store.create(None, _job('a', 'g1', on_parent_failure='run', workflow_key='k',
                                       parent_results={'p': {'error': 'boom', 'status': 'failed'}}))
        assert made.group_turn == 0
        got = store.get_one_by_id(None, 'a')
        assert (got.group_key, got.group_turn, got.on_parent_failure, got.workflow_key, got.parent_results) == \
            ('g1', 0, 'run', 'k', {'p': {'error': 'boom', 'status': 'failed'}})
        assert store.create(None, _job('b')).group_turn is None and store.get_one_by_id(None, 'b').group_turn is None
        batch = store.create_many(None, [_job(f'c{i}', 'g1') for i in range(3)] + [_job('d', 'g2')])
        assert [job.group_turn for job in batch] == [1, 2, 3, 0]
        # the unique and idempotent paths give turns too
        keyed = store.create_idempotent(None, _job('e', 'g1', idempotency_key='k1'), clock.now())
        assert keyed.group_turn == 4 and store.get_one_by_id(None, 'e').group_turn == 4
    finally:
        store.close(None)


def test_a_small_group_is_served_beside_a_big_one_and_a_late_group_joins_at_the_clock(postgres_uri):
    stores = _open(postgres_uri, unique_name('fq') + '_')
    try:
        stores[0].create_many(None, [_job(f'big{i:03d}', 'big') for i in range(200)])
        stores[1].create_many(None, [_job(f'small{i}', 'small') for i in range(5)])
        first = [job.id for job in _take(stores[0], 4) + _take(stores[1], 6)]
        assert {f'small{i}' for i in range(5)} <= set(first)
        assert _take(stores[1], 1)[0].id == 'big005'
        # the clock is the highest turn taken (5): a group that comes now starts there, not at 0
        late = stores[0].create(None, _job('late0', 'late'))
        assert late.group_turn == 5
        assert [job.id for job in _take(stores[0], 2)] == ['late0', 'big006']
        # an ungrouped job (turn 0) goes before every grouped one of its priority
        stores[0].create(None, _job('plain'))
        assert _take(stores[1])[0].id == 'plain'
    finally:
        _close(stores)


def test_racing_takes_on_two_stores_never_pass_a_group_limit(postgres_uri):
    stores = _open(postgres_uri, unique_name('fq') + '_')
    try:
        for store in stores:
            store.set_group_limits({'t': 2})
        stores[0].create_many(None, [_job(f'{g}{i:02d}', g) for i in range(30) for g in 'abcd'] +
                              [_job(f'free{i}') for i in range(3)])
        stores[0].create_many(None, [_job(f'other{i}', 'a', type='u') for i in range(5)])
        for round in range(4):
            with ThreadPoolExecutor(20) as pool:  # 20 takers through both stores at once
                list(pool.map(lambda i: _take(stores[i % 2], 1 + i % 3), range(20)))
            running = _running_per_group(stores[0])
            assert running == {'a': 2, 'b': 2, 'c': 2, 'd': 2}, running
            if round == 3:
                break
            # a finished job frees its group's slot: the next round fills it and no more
            for group in 'ab':
                job = next(j for j in stores[1].unfinished_jobs() if j.group_key == group and j.status == RUNNING)
                stores[1].modify(None, job.id, _finished)
        assert all(j.status == RUNNING for j in stores[0].get_list_by_ids(None, ['free0', 'free1', 'free2']))
        assert len(_take(stores[0], 10)) == 0  # every group full, no ungrouped job left
        stores[1].set_group_limits({})
        assert len(_take(stores[1], 10)) == 10
        assert [job.id for job in stores[0].take_many(None, 'u', clock.now(), 60000, 60000, 9)] == \
            [f'other{i}' for i in range(5)]  # another type: no limit
    finally:
        _close(stores)


def _finished(job):
    job.status = JobStatusV1.Done
    return job


def _running_per_group(store):
    counts = {}
    for job in store.unfinished_jobs():
        if job.status == RUNNING and job.group_key is not None and job.type == 't':
            counts[job.group_key] = counts.get(job.group_key, 0) + 1
    return counts


def test_group_counts_most_queued_first(postgres_uri):
    store, = _open(postgres_uri, unique_name('fq') + '_', 1)
    try:
        store.create_many(None, [_job(f'a{i}', 'a') for i in range(2)] + [_job(f'b{i}', 'b') for i in range(5)] +
                          [_job(f'c{i}', 'c') for i in range(3)] + [_job('x'), _job('u', 'a', type='u')])
        assert [job.id for job in _take(store, 2)] == ['a0', 'b0']  # turn 0, by created
        counts = store.get_group_counts(None, 't')
        assert sum(c['running'] for c in counts) == 2 and sum(c['queued'] for c in counts) == 8
        assert [c['queued'] for c in counts] == sorted((c['queued'] for c in counts), reverse=True)
        assert counts[0]['group_key'] == 'b' and {c['group_key'] for c in counts} == {'a', 'b', 'c'}
        assert len(store.get_group_counts(None, 't', 1)) == 1
    finally:
        store.close(None)


def test_two_stores_removing_parents_of_one_child_at_once_lose_none(postgres_uri):
    stores = _open(postgres_uri, unique_name('fq') + '_')
    try:
        for round in range(5):
            parents = [f'p{round}_{i}' for i in range(16)]
            stores[0].create(None, _job(f'child{round}', waiting_on=parents))
            gate = threading.Barrier(16)
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(lambda i, child=f'child{round}', parents=parents, gate=gate: _remove_parent(
                    stores[i % 2], child, parents[i], gate), range(16)))
            assert stores[1].get_one_by_id(None, f'child{round}').waiting_on is None
    finally:
        _close(stores)


def _remove_parent(store, child_id, parent_id, gate):
    def change(job):
        job.waiting_on = [p for p in job.waiting_on if p != parent_id]
        return job
    gate.wait(30)  # every removal sent at once
    store.modify(None, child_id, change)


def test_a_table_made_before_groups_migrates_and_its_jobs_stay_takeable(postgres_uri):
    prefix = unique_name('fq') + '_'
    t = prefix + 'jobs'
    with psycopg.connect(postgres_uri, autocommit=True) as conn:  # the schema and a row as version 2 left them
        conn.execute(f'CREATE TABLE {prefix}schema_migrations (store text NOT NULL, version integer NOT NULL, '
                     'applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (store, version))')
        for version, script in enumerate(migrations(t)[:2], 1):
            conn.execute(script)
            conn.execute(f'INSERT INTO {prefix}schema_migrations (store, version) VALUES (%s, %s)', ('jobs', version))
        now = clock.to_epoch_ms(clock.now())
        conn.execute(f"INSERT INTO {t} (id, type, status, priority, created_ms, not_before_ms, retries, doc) "
                     "VALUES ('old', 't', 'queued', 0, %s, %s, 0, '{}')", (now, now))
    store, = _open(postgres_uri, prefix, 1)
    try:
        assert store.applied_migrations == [3]
        store.create(None, _job('new', 'g'))
        taken = _take(store, 5)
        assert [job.id for job in taken] == ['old', 'new'] and taken[0].group_turn is None
    finally:
        store.close(None)


@pytest.mark.parametrize('two_jobs_processes', ['postgres'], indirect=True)
def test_takers_through_two_service_processes_never_hold_more_than_the_group_limit(two_jobs_processes):
    post, urls = two_jobs_processes
    for i in range(2):  # each process reads its limits at once
        post(i, '/v1/jobs/set_queue_limits', {'type': 'fair', 'group_concurrency': 2})
    post(0, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'fair', 'group_key': f'g{n % 4}', 'params': n}
                                               for n in range(40)]})
    holding = {}  # group -> jobs this test's takers hold (a taker counts it after its take, not after its complete)
    most = {}
    done = []
    lock = threading.Lock()
    deadline = time.monotonic() + 60

    def taker(i):
        while len(done) < 40 and time.monotonic() < deadline:
            jobs = post(i, '/v1/jobs/start_jobs_by_type', {'type': 'fair', 'limit': 1 + i % 2, 'timeout': 60000})
            if not jobs:
                time.sleep(0.01)
                continue
            with lock:
                for job in jobs:
                    group = job['group_key']
                    holding[group] = holding.get(group, 0) + 1
                    most[group] = max(most.get(group, 0), holding[group])
            time.sleep(0.005)
            with lock:
                for job in jobs:
                    holding[job['group_key']] -= 1
            for job in jobs:
                post(i + 1, '/v1/jobs/complete_job', {'job_id': job['id'], 'lease_token': job['lease_token']})
                with lock:
                    done.append(job['id'])
    sampled = {}  # group -> most running the store counted (get_queue_groups), sampled while the takers run

    def sample():
        while len(done) < 40 and time.monotonic() < deadline:
            for group in post(0, '/v1/jobs/get_queue_groups', {'type': 'fair'}):
                sampled[group['group_key']] = max(sampled.get(group['group_key'], 0), group['running'])
    with ThreadPoolExecutor(21) as pool:
        futures = [pool.submit(taker, i) for i in range(20)] + [pool.submit(sample)]
        for future in futures:
            future.result()
    assert len(done) == 40 and len(set(done)) == 40
    assert set(most) == {'g0', 'g1', 'g2', 'g3'} and max(most.values()) == 2, most  # held at once, never 3
    assert max(sampled.values()) <= 2 and sampled, sampled
