"""add_retry with an idempotency key: repeated after a 503 or a lost answer, the attempt counts once
(memory, file, MongoDB and PostgreSQL; concurrent repeats too; over HTTP)."""
from concurrent.futures import ThreadPoolExecutor

import requests

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


def _add(p, id, key=None):
    now = clock.now()
    return p.add_attempt(None, 'g', id, now, clock.add_ms(now, 60000), key)


def test_a_repeated_key_counts_the_attempt_once(persistence):
    assert _add(persistence, 'a', 'try-1').attempt_count == 1
    assert _add(persistence, 'a', 'try-1').attempt_count == 1
    assert _add(persistence, 'a', 'try-2').attempt_count == 2
    assert _add(persistence, 'a').attempt_count == 3  # without a key every call counts
    assert _add(persistence, 'a', 'try-2').attempt_count == 4  # only the last counted key is kept
    assert persistence.get_one_by_ids(None, 'g', 'a').attempt_count == 4


def test_concurrent_repeats_of_one_key_count_once(persistence):
    with ThreadPoolExecutor(8) as pool:
        counts = set(pool.map(lambda i: _add(persistence, 'race', 'once').attempt_count, range(40)))
    assert counts == {1}
    assert persistence.get_one_by_ids(None, 'g', 'race').attempt_count == 1


def test_add_retry_takes_the_key_over_http(memory_service):
    def add(key):
        r = requests.post(f'{memory_service}/v1/retries/add_retry',
                          json={'group': 'mail', 'id': 'm1', 'idempotency_key': key}, timeout=10)
        return r
    assert add('k1').json()['attempt_count'] == 1
    assert add('k1').json()['attempt_count'] == 1
    assert add('k2').json()['attempt_count'] == 2
    bad = add('x' * 257)
    assert bad.status_code == 400 and bad.json()['code'] == 'BAD_IDEMPOTENCY_KEY'
