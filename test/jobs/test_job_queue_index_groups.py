"""The memory store's fair queue against a plain model: random adds, takes, finishes, give-backs, cancels,
deletes and group limit changes; every take hands out the best job whose group has a free slot (priority,
turn, created), and nothing only when no such job is queued (parked jobs are never forgotten)."""
import random
import uuid
from datetime import timedelta

import pytest

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules
from service_background.jobs.persistence import JobsMemoryPersistence

_TYPES = ('x', 'y')
_GROUPS = (None, 'a', 'b', 'c', 'd')


def _eligible(store, limits, type):
    jobs = [job for job in store.unfinished_jobs()]
    running = {}
    for job in jobs:
        if job.status == JobStatusV1.Running and job.group_key is not None:
            running[(job.type, job.group_key)] = running.get((job.type, job.group_key), 0) + 1
    limit = limits.get(type)
    return [job for job in jobs if job.type == type and job.status == JobStatusV1.Queued
            and (limit is None or job.group_key is None or running.get((type, job.group_key), 0) < limit)]


def _order(job):
    return job.priority, job.group_turn or 0, job.created


def _change_one(store, rnd, now):
    """A random unfinished job finishes, is given back, is cancelled (while queued) or is deleted."""
    jobs = store.unfinished_jobs()
    if not jobs:
        return
    job = rnd.choice(jobs)
    pick = rnd.random()
    if pick < 0.4 and job.status == JobStatusV1.Running:
        store.modify(None, job.id, lambda j: rules.finish(j, now, JobStatusV1.Done, None, None, None))
    elif pick < 0.6 and job.status == JobStatusV1.Running:
        store.modify(None, job.id, lambda j: rules.release(j, now, 'given back', None))
    elif pick < 0.8:
        store.modify(None, job.id, lambda j: rules.request_cancel(j, now, None, None)
                     if j.status == JobStatusV1.Queued else None)
    else:
        store.delete_by_id(None, job.id)


@pytest.mark.parametrize('seed', range(6))
def test_takes_match_the_model(seed):
    rnd = random.Random(seed)
    store = JobsMemoryPersistence()
    store.open(None)
    limits = {}
    base = clock.now() - timedelta(hours=1)
    for step in range(1500):
        op = rnd.random()
        now = clock.now()
        type = rnd.choice(_TYPES)
        if op < 0.35:
            created = base + timedelta(milliseconds=step)
            store.create_many(None, [JobV1(id=str(uuid.uuid4()), type=type, priority=rnd.choice((0, 1, 1, 2)),
                                           status=JobStatusV1.Queued, created=created, not_before=created,
                                           group_key=rnd.choice(_GROUPS)) for _ in range(rnd.randint(1, 4))])
        elif op < 0.7:
            eligible = _eligible(store, limits, type)
            job = store.take(None, type, now, 60000, 60000)
            if not eligible:
                assert job is None, f'step {step}: {job.group_key} taken past its limit'
                continue
            assert job is not None, f'step {step}: {len(eligible)} eligible jobs, none taken'
            assert _order(job) == min(_order(other) for other in eligible), f'step {step}'
        elif op < 0.95:
            _change_one(store, rnd, now)
        else:
            limits = {name: rnd.randint(1, 3) for name in _TYPES if rnd.random() < 0.7}
            store.set_group_limits(limits)
    counts = {(c['group_key']): (c['queued'], c['running']) for c in store.get_group_counts(None, 'x', 10)}
    jobs = [job for job in store.unfinished_jobs() if job.type == 'x' and job.group_key is not None]
    expected = {}
    for job in jobs:
        queued, running = expected.get(job.group_key, (0, 0))
        expected[job.group_key] = (queued + (job.status == JobStatusV1.Queued),
                                   running + (job.status == JobStatusV1.Running))
    assert counts == expected
    store.close(None)


def test_a_group_whose_freed_place_is_cancelled_is_still_served():
    """A slot frees and puts one parked job back; that job is cancelled before a take: the next one of its group
    comes back in its place."""
    store = JobsMemoryPersistence()
    store.open(None)
    store.set_group_limits({'x': 1})
    now = clock.now()
    jobs = store.create_many(None, [JobV1(id=f'a{n}', type='x', status=JobStatusV1.Queued, created=now,
                                          not_before=now, group_key='a') for n in range(3)])
    assert store.take(None, 'x', now, 60000, 60000).id == 'a0'
    assert store.take(None, 'x', now, 60000, 60000) is None  # a1 and a2 parked
    store.modify(None, 'a0', lambda job: rules.finish(job, now, JobStatusV1.Done, None, None, None))
    store.modify(None, 'a1', lambda job: rules.request_cancel(job, now, None, None))
    assert store.take(None, 'x', now, 60000, 60000).id == jobs[2].id
    store.close(None)
