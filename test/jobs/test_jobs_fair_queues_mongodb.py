"""Fair queues and fan-in in the MongoDB jobs store, two stores on one database standing for two processes: turns
on every create path and racing creates, the shared clock, group limits kept by racing takes (a job taken past
the limit handed back as it was), fan-in changes racing on one child, and two service processes over HTTP."""
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from pip_services3_commons.config import ConfigParams

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.logic.job_dependencies import ParentState, apply_parents
from service_background.jobs.persistence.jobs_mongodb_persistence import JobsMongoDbPersistence

from ..helpers import unique_name

RUNNING = JobStatusV1.Running


@pytest.fixture
def stores(mongo_uri):
    database = unique_name('fq')
    opened = []
    for _ in range(2):
        store = JobsMongoDbPersistence()
        store.configure(ConfigParams.from_tuples('connection.uri', mongo_uri, 'connection.database', database))
        store.open(None)
        opened.append(store)
    yield opened
    for store in opened:
        store.close(None)


def _job(id, group=None, type='t', **fields):
    now = clock.now()
    return JobV1(**{'id': id, 'type': type, 'created': now, 'not_before': now, 'status': JobStatusV1.Queued,
                    'max_retries': 5, 'group_key': group, **fields})


def _take(store, limit=1, type='t'):
    return store.take_many(None, type, clock.now(), 60000, 60000, limit)


def _together(n, call):
    """``call(i)`` for every i < n, each in its thread, all released at once; their answers in order."""
    gate = threading.Barrier(n)

    def run(i):
        gate.wait(30)
        return call(i)
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _running_per_group(store, type='t'):
    return dict(Counter(job.group_key for job in store.unfinished_jobs()
                        if job.status == RUNNING and job.type == type and job.group_key is not None))


def test_every_create_path_gives_turns_and_the_clock_is_shared(stores):
    a, b = stores
    assert a.create(None, _job('c0', 'g')).group_turn == 0
    assert [job.group_turn for job in b.create_many(None, [_job(f'm{i}', 'g') for i in range(3)] + [_job('h', 'h')])] \
        == [1, 2, 3, 0]
    assert a.create(None, _job('plain')).group_turn is None
    keyed = b.create_idempotent(None, _job('k', 'g', idempotency_key='key1'), clock.now())
    assert keyed.group_turn == 4 and a.get_one_by_id(None, 'k').group_turn == 4
    assert a.create_unless_ref_id_unfinished(None, _job('r', 'g', ref_id='ref')).group_turn == 5
    assert a.create_unless_key_locked(None, _job('u', 'g', unique_key='uk'), clock.now()).group_turn == 6
    assert b.create(None, _job('given', 'g', group_turn=40)).group_turn == 40  # a turn of its own is kept
    # the clock is the highest turn taken by any store: a new group starts there
    assert [job.id for job in _take(a, 4)] == ['plain', 'c0', 'h', 'm0']
    assert b.create(None, _job('late', 'late')).group_turn == 1
    assert [job.id for job in _take(b, 2)] == ['late', 'm1']  # turns 1 and 2


def test_racing_creates_on_two_stores_give_distinct_consecutive_turns(stores):
    def add(i):
        if i % 2:
            return [job.group_turn for job in stores[1].create_many(None, [_job(f'{i}_{n}', 'g') for n in range(3)])]
        return [stores[0].create(None, _job(f'{i}', 'g')).group_turn]
    with ThreadPoolExecutor(10) as pool:
        batches = list(pool.map(add, range(20)))
    turns = [turn for batch in batches for turn in batch]
    # distinct, a batch's consecutive (a write that lost its race and was redone may leave a gap)
    assert len(set(turns)) == 40 and all(batch == list(range(batch[0], batch[0] + len(batch))) for batch in batches)
    assert sorted(job.group_turn for job in stores[0].unfinished_jobs()) == sorted(turns)


def test_a_released_job_keeps_its_turn(stores):
    a, _ = stores
    a.create_many(None, [_job(f'x{i}', 'x') for i in range(3)] + [_job(f'y{i}', 'y') for i in range(3)])
    first = _take(a)[0]
    assert (first.id, first.group_turn) == ('x0', 0)
    a.modify(None, 'x0', lambda job: rules.release(job, clock.now(), 'again', None))
    assert [(job.id, job.group_turn) for job in _take(a, 2)] == [('x0', 0), ('y0', 0)]


def test_racing_takes_on_two_stores_never_pass_a_group_limit(stores):
    for store in stores:
        store.set_group_limits({'t': 2})
    stores[0].create_many(None, [_job(f'{g}{i:02d}', g) for i in range(25) for g in 'abcd'] +
                          [_job(f'free{i}') for i in range(3)] + [_job(f'other{i}', 'a', type='u') for i in range(4)])
    handed = []
    for _ in range(4):
        handed += [job for jobs in _together(20, lambda i: _take(stores[i % 2], 1 + i % 3)) for job in jobs]
        assert _running_per_group(stores[0]) == {'a': 2, 'b': 2, 'c': 2, 'd': 2}
        running = {job.id for job in stores[1].unfinished_jobs() if job.status == RUNNING}
        assert {job.id for job in handed} == running  # nothing handed out that is not running, nothing running unseen
        for job in stores[0].unfinished_jobs():
            if job.status == JobStatusV1.Queued:  # handed back as it was
                assert (job.retries or 0, job.lease_token, job.worker_id, job.started) == (0, None, None, None)
        for group in 'ab':  # a finished job frees its group's slot: the next round fills it and no more
            job = next(j for j in handed if j.group_key == group and j.id in running)
            stores[1].modify(None, job.id, lambda j: rules.finish(j, clock.now(), JobStatusV1.Done, None, None, None))
            handed.remove(job)
    assert [job.id for job in _take(stores[0], 9, type='u')] == [f'other{i}' for i in range(4)]  # another type
    stores[1].set_group_limits({})
    assert len(_take(stores[1], 10)) == 10
    counts = stores[0].get_group_counts(None, 't')  # a and b: 4 done each
    assert sorted(c['group_key'] for c in counts) == list('abcd') and sum(c['running'] for c in counts) == 16
    assert [c['queued'] for c in counts] == sorted((c['queued'] for c in counts), reverse=True)
    assert sum(c['queued'] for c in counts) == 100 - 8 - 16


def test_two_stores_releasing_two_parents_of_one_child_at_once_lose_neither(stores):
    """Two parents done at the same instant, each on its store (one through modify, one through modify_many):
    one change loses its guard on waiting_on and reads again, so the child is released once, with both results."""
    for round in range(200):
        child, parents = f'child{round}', [f'p{round}a', f'p{round}b']
        stores[0].create(None, _job(child, waiting_on=list(parents), not_before=rules.WAITING))
        changed = [job for jobs in _together(2, lambda i, child=child, parents=parents: _finish_parent(
            stores[i], i, child, parents[i])) for job in jobs if job is not None]
        assert sum(1 for job in changed if job.waiting_on is None) == 1, round  # released once
        stored = stores[1].get_one_by_id(None, child)
        assert stored.waiting_on is None and stored.parent_results == {'k0': {'n': 0}, 'k1': {'n': 1}}, round
        assert stored.not_before < rules.WAITING


def _finish_parent(store, i, child_id, parent_id):
    """Parent ``i`` done: the child's change, through modify (store 0) or modify_many (store 1)."""
    state = {parent_id: ParentState(JobStatusV1.Done, f'k{i}', {'n': i})}

    def change(job):
        return apply_parents(job, state, clock.now(), None)
    return [store.modify(None, child_id, change)] if i == 0 else store.modify_many(None, [child_id], change)


@pytest.mark.parametrize('two_jobs_processes', ['mongodb'], indirect=True)
def test_takers_through_two_service_processes_never_run_more_than_the_group_limit(two_jobs_processes):
    post, _ = two_jobs_processes
    for i in range(2):  # each process reads its limits at once
        post(i, '/v1/jobs/set_queue_limits', {'type': 'fair', 'group_concurrency': 2})
    post(0, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'fair', 'group_key': f'g{n % 4}', 'params': n}
                                               for n in range(60)]})
    handed = {}
    for round in range(3):
        for jobs in _together(20, lambda i: post(i, '/v1/jobs/start_jobs_by_type',  # through both processes
                                                 {'type': 'fair', 'limit': 1 + i % 3, 'timeout': 60000})):
            handed.update((job['id'], job) for job in jobs)
        page = post(round, '/v1/jobs/get_jobs', {'filter': {'type': 'fair', 'status': 'running'},
                                                 'paging': {'take': 100}})
        running = Counter(job['group_key'] for job in page['data'])
        assert running == {'g0': 2, 'g1': 2, 'g2': 2, 'g3': 2}, running
        assert set(handed) == {job['id'] for job in page['data']}
        groups = post(round + 1, '/v1/jobs/get_queue_groups', {'type': 'fair'})
        assert sorted((g['group_key'], g['queued'], g['running']) for g in groups) == \
            [(f'g{n}', 13 - round * (n < 2), 2) for n in range(4)]  # g0, g1: one done a round
        for group in ('g0', 'g1'):  # one slot of each frees: the next round fills it
            job_id = next(id for id, job in handed.items() if job['group_key'] == group)
            post(1, '/v1/jobs/complete_job', {'job_id': job_id, 'lease_token': handed.pop(job_id)['lease_token']})
