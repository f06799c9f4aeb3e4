"""Fair queues on every persistence: takes of a type go round-robin between group keys (a small group is served
beside a big one, a late one within a round), priority still first, ungrouped jobs before grouped ones; a
group concurrency caps each group's running jobs; the groups' counts; turns survive a file store restart."""
import uuid
from collections import Counter

import pytest
from pip_services3_commons.data import FilterParams

from service_background.common.data import clock
from service_background.jobs.clients.version1 import JobsHttpClientV1
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules

from ..helpers import open_http_client


@pytest.fixture
def client(store_service):
    client = open_http_client(JobsHttpClientV1, store_service)
    yield client
    client.close(None)


def _add(client, type, group, count, **fields):
    """``count`` jobs of the group (None: ungrouped) in one add_jobs; their ids in order."""
    group_field = {'group_key': group} if group is not None else {}
    jobs = client.add_jobs(None, [{'type': type, 'params': {'n': n}, **group_field, **fields} for n in range(count)])
    return [job.id for job in jobs]


def _take(client, type, count, single=False):
    """``count`` takes of the type: one start_jobs_by_type, or one start_job_by_type each (``single``)."""
    if single:
        return [job for job in (client.start_job_by_type(None, type, 60000) for _ in range(count)) if job]
    return client.start_jobs_by_type(None, type, 60000, count)


@pytest.mark.parametrize('single', [False, True], ids=['take_many', 'take'])
def test_a_small_group_is_served_beside_a_big_one(client, single):
    _add(client, 'fq', 'big', 200)
    small = _add(client, 'fq', 'small', 5)
    first = _take(client, 'fq', 10, single)
    assert len(first) == 10
    assert set(small) <= {job.id for job in first}
    assert all(job.group_turn is not None for job in first)


def test_get_jobs_filters_by_group_key(client):
    mine = _add(client, 'gf', 'mine', 3)
    _add(client, 'gf', 'other', 2)
    page = client.get_jobs(None, FilterParams.from_tuples('group_key', 'mine'), None)
    assert sorted(job.id for job in page.data) == sorted(mine)


def test_three_groups_interleave_round_robin(client):
    for group in ('a', 'b', 'c'):
        _add(client, 'rr', group, 4)
    taken = _take(client, 'rr', 6) + _take(client, 'rr', 6, single=True)
    assert [job.group_key for job in taken] == ['a', 'b', 'c'] * 4
    assert [job.params['n'] for job in taken] == [n for n in range(4) for _ in range(3)]  # each group in order


def test_priority_wins_over_turns(client):
    _add(client, 'pr', 'a', 10, priority=1)
    urgent = _add(client, 'pr', 'a', 3, priority=0)  # the group's turns 10..12, yet the more urgent priority
    _add(client, 'pr', 'b', 2, priority=1)
    taken = _take(client, 'pr', 5)
    assert [job.id for job in taken[:3]] == urgent
    assert [job.group_key for job in taken[3:]] == ['a', 'b']


def test_ungrouped_jobs_go_before_grouped_ones(client):
    _add(client, 'ug', 'g', 4)
    assert _take(client, 'ug', 1)[0].group_turn == 0  # the type's turns have moved on
    plain = _add(client, 'ug', None, 3)
    taken = _take(client, 'ug', 6)
    assert [job.id for job in taken[:3]] == plain and all(job.group_turn is None for job in taken[:3])
    assert [job.group_key for job in taken[3:]] == ['g'] * 3


def test_a_late_group_is_served_within_one_round(client):
    for group in ('a', 'b'):
        _add(client, 'late', group, 150)
    assert len(_take(client, 'late', 50) + _take(client, 'late', 50)) == 100
    late = _add(client, 'late', 'late', 3)
    following = _take(client, 'late', 3)  # one round: one job of each of the three groups
    assert late[0] in {job.id for job in following}
    assert sorted(job.group_key for job in following) == ['a', 'b', 'late']


def test_group_concurrency_caps_running_jobs_per_group(client, store_service):
    client.set_queue_limits(None, 'gc', group_concurrency=2)
    for group, count in (('a', 20), ('b', 20), ('c', 3)):
        _add(client, 'gc', group, count)
    _add(client, 'gc', None, 2)  # ungrouped jobs are not limited
    taken = _take(client, 'gc', 50)
    assert Counter(job.group_key for job in taken) == {'a': 2, 'b': 2, 'c': 2, None: 2}
    assert _take(client, 'gc', 50) == [] and _take(client, 'gc', 1, single=True) == []
    a_job = next(job for job in taken if job.group_key == 'a')
    client.complete_job(None, a_job.id, None, a_job.lease_token)  # a's slot frees: one more of a, none else
    again = _take(client, 'gc', 50)
    assert [job.group_key for job in again] == ['a']
    b_job = next(job for job in taken if job.group_key == 'b')
    client.abort_job(None, b_job.id, b_job.lease_token)  # given back: b may run one more (maybe that one)
    assert [job.group_key for job in _take(client, 'gc', 50, single=False)] == ['b']
    groups = client.get_queue_groups(None, 'gc')
    assert groups == [{'group_key': 'b', 'queued': 18, 'running': 2}, {'group_key': 'a', 'queued': 17, 'running': 2},
                      {'group_key': 'c', 'queued': 1, 'running': 2}]  # most queued first
    assert client.get_queue_groups(None, 'gc', 1) == groups[:1]
    client.set_queue_limits(None, 'gc', group_concurrency=3)  # raised: one more of each group
    assert Counter(job.group_key for job in _take(client, 'gc', 50)) == {'a': 1, 'b': 1, 'c': 1}
    client.clear_queue_limits(None, 'gc')  # removed: every queued job may run
    assert len(_take(client, 'gc', 100)) == 16 + 17


def test_turns_survive_a_file_store_restart(file_service_factory):
    with file_service_factory() as url:
        client = open_http_client(JobsHttpClientV1, url)
        ids = _add(client, 'rs', 'a', 6)
        assert [job.id for job in _take(client, 'rs', 2)] == ids[:2]
        turns = [client.get_job_by_id(None, id).group_turn for id in ids]
        client.close(None)
    with file_service_factory() as url:
        client = open_http_client(JobsHttpClientV1, url)
        assert [client.get_job_by_id(None, id).group_turn for id in ids] == turns == list(range(6))
        joined = _add(client, 'rs', 'b', 2)  # starts at the clock (the last turn taken), not at 0
        assert [client.get_job_by_id(None, id).group_turn for id in joined] == [1, 2]
        assert client.get_job_by_id(None, _add(client, 'rs', 'a', 1)[0]).group_turn == 6
        taken = _take(client, 'rs', 7)
        assert [job.group_key for job in taken] == ['b', 'a', 'b', 'a', 'a', 'a', 'a']
        client.close(None)


# --- the stores themselves (the persistence fixture: every backend) ----------------------------------
def _job(type, group=None, priority=1):
    now = clock.now()
    return JobV1(id=str(uuid.uuid4()), type=type, priority=priority, status=JobStatusV1.Queued, created=now,
                 not_before=now, group_key=group)


def _store_take(persistence, type, count=1):
    return persistence.take_many(None, type, clock.now(), 60000, 60000, count)


def test_store_turns_limits_and_counts(persistence):
    persistence.create_many(None, [_job('s', 'big') for _ in range(200)])
    small = persistence.create_many(None, [_job('s', 'small') for _ in range(5)])
    assert [job.group_turn for job in small] == list(range(5))
    first = _store_take(persistence, 's', 10)
    assert {job.id for job in small} <= {job.id for job in first}
    persistence.set_group_limits({'s': 6})
    taken = _store_take(persistence, 's', 50)  # big runs 5 already: one more; small has none queued
    assert [job.group_key for job in taken] == ['big'] and _store_take(persistence, 's', 5) == []
    assert persistence.get_group_counts(None, 's') == [{'group_key': 'big', 'queued': 194, 'running': 6},
                                                       {'group_key': 'small', 'queued': 0, 'running': 5}]
    persistence.modify(None, taken[0].id, lambda job: rules.finish(job, clock.now(), JobStatusV1.Done, None, None,
                                                                   None))
    assert [job.group_key for job in _store_take(persistence, 's', 50)] == ['big']
    persistence.set_group_limits({})
    assert len(_store_take(persistence, 's', 500)) == 193
    assert persistence.get_group_counts(None, 's', 1) == [{'group_key': 'big', 'queued': 0, 'running': 199}]
