"""One persistence fixture for jobs (conftest.py): memory, file and MongoDB behave the same."""
import threading
import uuid
from datetime import timedelta

from pip_services3_commons.data import FilterParams, PagingParams

from service_background.common.data import clock
from service_background.common.data.data_object import PackedJson
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.data.version1 import job_transitions as rules


def _job(type='t', priority=1, created=None, delay_ms=0, **fields):
    created = created or clock.now()
    return JobV1(id=str(uuid.uuid4()), type=type, priority=priority, status=JobStatusV1.Queued, created=created,
                 not_before=clock.add_ms(created, delay_ms), **fields)


def test_create_get_and_copies(persistence):
    job = persistence.create(None, _job(params={'a': [1]}, ref_id='r1'))
    job.params['a'].append(2)
    fetched = persistence.get_one_by_id(None, job.id)
    assert fetched.params == {'a': [1]} and fetched.ref_id == 'r1' and fetched.created.tzinfo is not None
    assert persistence.get_one_by_id(None, 'missing') is None


def test_params_and_results_come_back_as_they_went_in(persistence):
    """Memory/file hold JSON-shaped params and results as compact text: every read gives the data back
    (each its own copy), and values JSON would change are kept as they are."""
    when = clock.now()
    plain = persistence.create(None, _job(params={'n': 1, 'x': [1.5, None, 'é', {'deep': True}]}))
    odd = persistence.create(None, _job(params={'when': when, 'pair': (1, 2)}))
    assert odd.params == {'when': when, 'pair': (1, 2)}
    stored = getattr(persistence, '_items', None)
    if isinstance(stored, dict):  # memory and file: the compact form is what stays in memory
        assert isinstance(stored[plain.id].params, PackedJson) and isinstance(stored[odd.id].params, dict)
    taken = persistence.take(None, 't', clock.now(), 1000, 1000)
    taken_again = persistence.take(None, 't', clock.now(), 1000, 1000)
    assert {taken.id, taken_again.id} == {plain.id, odd.id}
    done = persistence.modify(None, plain.id,
                              lambda job: rules.finish(job, clock.now(), JobStatusV1.Done, [{'r': 1}], None, None))
    assert done.result == [{'r': 1}]
    done.result.append('mine')
    done.params['n'] = 2
    again = persistence.get_one_by_id(None, plain.id)
    assert again.params == {'n': 1, 'x': [1.5, None, 'é', {'deep': True}]} and again.result == [{'r': 1}]
    page = persistence.get_page_by_filter(None, FilterParams.from_tuples('id', plain.id), None)
    assert page.data[0].params['x'][3] == {'deep': True}
    assert persistence.delete_by_id(None, plain.id).result == [{'r': 1}]


def test_take_order_is_priority_then_created(persistence):
    base = clock.now() - timedelta(seconds=10)
    jobs = [persistence.create(None, _job(priority=p, created=base + timedelta(milliseconds=ms)))
            for p, ms in [(2, 0), (1, 5), (0, 10), (1, 1), (3, -5)]]
    persistence.create(None, _job(type='other', priority=0, created=base - timedelta(seconds=1)))
    now = clock.now()
    taken = [persistence.take(None, 't', now, 1000, 5000) for _ in range(5)]
    expected = [jobs[2], jobs[3], jobs[1], jobs[0], jobs[4]]
    assert [j.id for j in taken] == [j.id for j in expected]
    assert persistence.take(None, 't', now, 1000, 5000) is None
    first = taken[0]
    assert first.status == JobStatusV1.Running and first.retries == 1
    assert first.started == now and first.locked_until == clock.add_ms(now, 1000)
    assert persistence.take(None, None, now, None, 5000).type == 'other'  # any type


def test_take_uses_job_timeout_then_default(persistence):
    own = persistence.create(None, _job(type='a', timeout=7000))
    persistence.create(None, _job(type='b'))
    now = clock.now()
    assert persistence.take(None, 'a', now, None, 5000).locked_until == clock.add_ms(now, 7000)
    assert persistence.get_one_by_id(None, own.id).locked_until == clock.add_ms(now, 7000)
    assert persistence.take(None, 'b', now, None, 5000).locked_until == clock.add_ms(now, 5000)


def test_delayed_job_is_taken_only_when_due(persistence):
    now = clock.now()
    persistence.create(None, _job(created=now, delay_ms=60000, priority=0))
    later = persistence.create(None, _job(created=now, priority=3))
    assert persistence.take(None, 't', now, 1000, 1000).id == later.id
    assert persistence.take(None, 't', now, 1000, 1000) is None
    assert persistence.take(None, 't', clock.add_ms(now, 60001), 1000, 1000).priority == 0


def test_modify_and_requeue_makes_a_job_takeable_again(persistence):
    job = persistence.create(None, _job())
    now = clock.now()
    taken = persistence.take(None, 't', now, 100, 100)
    assert persistence.get_expired_lease_ids(None, now, 10) == []
    later = clock.add_ms(now, 200)
    assert persistence.get_expired_lease_ids(None, later, 10) == [job.id]
    back = persistence.modify(None, taken.id, lambda j: rules.release(j, later, 'lease expired', None))
    assert back.status == JobStatusV1.Queued and back.last_error == 'lease expired'
    again = persistence.take(None, 't', later, 100, 100)
    assert again.id == job.id and again.retries == 2
    assert persistence.modify(None, 'missing', lambda j: None) is None


def test_finished_and_deleted_jobs_are_never_taken(persistence):
    done = persistence.create(None, _job(priority=0))
    gone = persistence.create(None, _job(priority=0))
    now = clock.now()
    persistence.modify(None, done.id, lambda j: rules.finish(j, now, JobStatusV1.Done, 'ok', None, None))
    assert persistence.delete_by_id(None, gone.id).id == gone.id
    assert persistence.delete_by_id(None, gone.id) is None
    assert persistence.take(None, 't', now, 100, 100) is None


def test_create_uniq_returns_the_unfinished_job(persistence):
    first = persistence.create_unless_ref_id_unfinished(None, _job(ref_id='order-1'))
    assert persistence.create_unless_ref_id_unfinished(None, _job(ref_id='order-1')).id == first.id
    assert persistence.create_unless_ref_id_unfinished(None, _job(type='other', ref_id='order-1')).id != first.id
    now = clock.now()
    assert persistence.take(None, 't', now, 1000, 1000).id == first.id
    # running is unfinished
    assert persistence.create_unless_ref_id_unfinished(None, _job(ref_id='order-1')).id == first.id
    persistence.modify(None, first.id, lambda j: rules.finish(j, now, JobStatusV1.Done, None, None, None))
    assert persistence.create_unless_ref_id_unfinished(None, _job(ref_id='order-1')).id != first.id


def test_every_filter(persistence):
    base = clock.now() - timedelta(minutes=10)
    a = persistence.create(None, _job(type='a', ref_id='ra', created=base, execute_until=base + timedelta(hours=1)))
    b = persistence.create(None, _job(type='b', ref_id='rb', created=base + timedelta(minutes=1)))
    c = persistence.create(None, _job(type='b', created=base + timedelta(minutes=2)))
    started = base + timedelta(minutes=3)
    persistence.take(None, 'b', started, 60000, 60000)
    persistence.take(None, 'b', started, 60000, 60000)
    persistence.modify(None, c.id, lambda j: rules.finish(j, started, JobStatusV1.Done, None, None, None))
    persistence.modify(None, b.id, lambda j: rules.release(j, started, 'x', None))
    persistence.take(None, 'b', started + timedelta(minutes=1), 60000, 60000)  # b: retries 2

    def ids(**filter):
        page = persistence.get_page_by_filter(None, FilterParams.from_value(
            {k: clock.to_iso(v) if hasattr(v, 'tzinfo') else v for k, v in filter.items()}), None)
        return [j.id for j in page.data]
    assert ids() == [a.id, b.id, c.id]
    assert ids(id=b.id) == [b.id]
    assert ids(type='b') == [b.id, c.id] and ids(queue='a') == [a.id]
    assert ids(ref_id='ra') == [a.id]
    assert ids(status='done') == [c.id]
    assert ids(created=base) == [a.id]
    assert ids(created_from=base + timedelta(minutes=1)) == [b.id, c.id]
    assert ids(created_to=base + timedelta(minutes=1)) == [a.id]
    assert ids(started=started) == [c.id]
    assert ids(started_from=started) == [b.id, c.id]
    assert ids(started_to=started + timedelta(seconds=1)) == [c.id]
    assert ids(locked_until=started + timedelta(minutes=2)) == [b.id]
    assert ids(locked_from=started, locked_to=started + timedelta(minutes=5)) == [b.id]
    assert ids(execute_until=base + timedelta(hours=1)) == [a.id]
    assert ids(execute_from=base, execute_to=base + timedelta(hours=2)) == [a.id]
    assert ids(completed=started) == [c.id]
    assert ids(completed_from=base, completed_to=started + timedelta(seconds=1)) == [c.id]
    assert ids(retries=2) == [b.id]
    assert ids(min_retries=1) == [a.id, c.id]  # as the commands API defines it: retries <= min_retries
    assert ids(type='b', retries=1) == [c.id]


def test_paging_and_cap(persistence):
    base = clock.now()
    for i in range(105):
        persistence.create(None, _job(created=base + timedelta(milliseconds=i)))
    page = persistence.get_page_by_filter(None, FilterParams(), PagingParams(0, 1000, True))
    assert len(page.data) == 100 and page.total == 105
    page = persistence.get_page_by_filter(None, FilterParams(), PagingParams(103, 10, False))
    assert len(page.data) == 2 and page.data[1].created == base + timedelta(milliseconds=104)


def test_delete_expired_and_delete_all(persistence):
    now = clock.now()
    past, future = now - timedelta(seconds=1), now + timedelta(hours=1)
    expired = persistence.create(None, _job(execute_until=past))
    alive = persistence.create(None, _job(execute_until=future))
    finished = persistence.create(None, _job(execute_until=past))
    persistence.modify(None, finished.id, lambda j: rules.finish(j, now, JobStatusV1.Done, 1, None, 60000))
    old = persistence.create(None, _job(result_ttl=0))
    persistence.modify(None, old.id, lambda j: rules.finish(j, now, JobStatusV1.Failed, None, 'x', 60000))
    assert persistence.delete_expired(None, now) == 2
    left = {j.id for j in persistence.get_page_by_filter(None, None, None).data}
    assert left == {alive.id, finished.id} and expired.id not in left
    assert persistence.delete_expired(None, now + timedelta(minutes=2)) == 1
    persistence.delete_all(None)
    assert persistence.get_page_by_filter(None, None, PagingParams(0, 10, True)).total == 0


def test_concurrent_takes_never_share_a_job(persistence):
    count, threads = 400, 8
    for _ in range(count):
        persistence.create(None, _job(type='race'))
    taken, lock = [], threading.Lock()

    def worker():
        while True:
            job = persistence.take(None, 'race', clock.now(), 60000, 60000)
            if job is None:
                return
            with lock:
                taken.append(job.id)
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert len(taken) == count and len(set(taken)) == count
