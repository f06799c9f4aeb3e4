"""One persistence fixture for retries, run on memory, file, MongoDB and PostgreSQL."""
import threading
from datetime import timedelta

from pip_services3_commons.data import FilterParams, PagingParams

from service_background.common.data import clock
from service_background.retries.persistence import (
    RetriesFilePersistence,
    RetriesMemoryPersistence,
    RetriesMongoDbPersistence,
    RetriesPostgresPersistence,
)

from ..helpers import persistence_fixture

persistence = persistence_fixture({'memory': RetriesMemoryPersistence, 'file': RetriesFilePersistence,
                                   'mongodb': RetriesMongoDbPersistence, 'postgres': RetriesPostgresPersistence},
                                  'retries')


def _add(p, group, id, ttl_ms=60000, now=None):
    now = now or clock.now()
    return p.add_attempt(None, group, id, now, clock.add_ms(now, ttl_ms))


def test_add_attempt_creates_then_increments(persistence):
    now = clock.now()
    first = _add(persistence, 'g1', 'a', now=now)
    assert (first.group, first.id, first.attempt_count) == ('g1', 'a', 1)
    assert first.last_attempt_time == now and first.expiration_time == clock.add_ms(now, 60000)
    second = _add(persistence, 'g1', 'a')
    assert second.attempt_count == 2
    stored = persistence.get_one_by_ids(None, 'g1', 'a')
    assert stored.attempt_count == 2
    assert stored.last_attempt_time.tzinfo is not None


def test_identity_is_group_and_id(persistence):
    _add(persistence, 'g1', 'same')
    _add(persistence, 'g1', 'same')
    _add(persistence, 'g2', 'same')
    assert persistence.get_one_by_ids(None, 'g1', 'same').attempt_count == 2
    assert persistence.get_one_by_ids(None, 'g2', 'same').attempt_count == 1
    assert persistence.get_one_by_ids(None, 'g3', 'same') is None
    assert persistence.get_group_names(None) == ['g1', 'g2']


def test_list_by_ids_keeps_order_and_skips_missing(persistence):
    for id in ['x', 'y', 'z']:
        _add(persistence, 'g', id)
    found = persistence.get_list_by_ids(None, 'g', ['z', 'missing', 'x'])
    assert [r.id for r in found] == ['z', 'x']


def test_filter_and_paging(persistence):
    for i in range(7):
        _add(persistence, 'pg', f'id{i}')
    _add(persistence, 'pg', 'id0')
    _add(persistence, 'other', 'id0')
    page = persistence.get_page_by_filter(None, FilterParams.from_tuples('group', 'pg'),
                                          PagingParams(2, 3, True))
    assert page.total == 7
    assert [r.id for r in page.data] == ['id2', 'id3', 'id4']
    page = persistence.get_page_by_filter(None, FilterParams.from_tuples('attempt_count', 2), None)
    assert [(r.group, r.id) for r in page.data] == [('pg', 'id0')]
    page = persistence.get_page_by_filter(None, FilterParams.from_tuples('id', 'id0'), None)
    assert [r.group for r in page.data] == ['other', 'pg']
    one = persistence.get_one_by_ids(None, 'pg', 'id5')
    page = persistence.get_page_by_filter(
        None, FilterParams.from_tuples('expiration_time', clock.to_iso(one.expiration_time), 'group', 'pg'), None)
    assert 'id5' in [r.id for r in page.data]


def test_paging_is_capped_at_100(persistence):
    now = clock.now()
    for i in range(105):
        _add(persistence, 'big', f'{i:03d}', now=now)
    page = persistence.get_page_by_filter(None, FilterParams(), PagingParams(0, 1000, False))
    assert len(page.data) == 100


def test_delete_and_delete_expired(persistence):
    now = clock.now()
    _add(persistence, 'g', 'old', ttl_ms=0, now=now - timedelta(seconds=10))
    _add(persistence, 'g', 'new', ttl_ms=60000, now=now)
    _add(persistence, 'g', 'gone')
    assert persistence.delete_by_ids(None, 'g', 'gone').id == 'gone'
    assert persistence.delete_by_ids(None, 'g', 'gone') is None
    assert persistence.delete_expired(None, now) == 1
    assert persistence.get_one_by_ids(None, 'g', 'old') is None
    assert persistence.get_one_by_ids(None, 'g', 'new') is not None


def test_returned_objects_are_copies(persistence):
    retry = _add(persistence, 'g', 'copy')
    retry.attempt_count = 99
    fetched = persistence.get_one_by_ids(None, 'g', 'copy')
    fetched.attempt_count = 77
    assert persistence.get_one_by_ids(None, 'g', 'copy').attempt_count == 1


def test_concurrent_add_attempt_counts_every_call(persistence):
    threads, calls = 8, 1000

    def worker(n):
        for _ in range(n):
            _add(persistence, 'race', 'one')

    pool = [threading.Thread(target=worker, args=(calls // threads,)) for _ in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert persistence.get_one_by_ids(None, 'race', 'one').attempt_count == calls


def test_delete_expired_is_exact_to_the_millisecond(persistence):
    now = clock.now()
    _add(persistence, 'ms', 'past', ttl_ms=0, now=clock.add_ms(now, -300))
    _add(persistence, 'ms', 'future', ttl_ms=300, now=now)
    assert persistence.delete_expired(None, now) == 1
    assert persistence.get_one_by_ids(None, 'ms', 'future') is not None
