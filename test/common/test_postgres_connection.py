"""The PostgreSQL base on a real cluster: migrations applied once when processes open at once, and a
database that stops answering gives 503 DATABASE_UNAVAILABLE in time, then recovers by itself."""
import json
import os
import subprocess
import sys
import time

import pytest
import requests
from pip_services3_commons.config import ConfigParams

from service_background.common.data import clock
from service_background.common.persistence.postgres_persistence import DatabaseUnavailableException
from service_background.retries.persistence import RetriesPostgresPersistence
from service_background.tasks.persistence import TasksPostgresPersistence

from ..helpers import ROOT, running_container, unique_name

# a process that opens both stores at a given instant and prints the versions it applied
_OPEN_AT = '''
import json, sys, time
from pip_services3_commons.config import ConfigParams
from service_background.retries.persistence import RetriesPostgresPersistence
from service_background.tasks.persistence import TasksPostgresPersistence
uri, prefix, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
stores = [RetriesPostgresPersistence(), TasksPostgresPersistence()]
for store in stores:
    store.configure(ConfigParams.from_tuples('connection.uri', uri, 'table_prefix', prefix))
time.sleep(max(0.0, start - time.time()))
applied = {}
for store in stores:
    store.open(None)
    applied[store.table()] = store.applied_migrations
    store.close(None)
print(json.dumps(applied))
'''


def _store(cls, uri, prefix, timeout_ms=None):
    params = ['connection.uri', uri, 'table_prefix', prefix]
    if timeout_ms:
        params += ['options.operation_timeout', timeout_ms, 'options.connect_timeout', timeout_ms]
    store = cls()
    store.configure(ConfigParams.from_tuples(*params))
    store.open(None)
    return store


def test_three_processes_opening_at_once_migrate_once(postgres_uri):
    prefix = unique_name('m') + '_'
    start = time.time() + 3  # every process imported and waiting by then
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'src'))
    processes = [subprocess.Popen([sys.executable, '-c', _OPEN_AT, postgres_uri, prefix, str(start)],
                                  stdout=subprocess.PIPE, env=env) for _ in range(3)]
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        results.append(json.loads(out.splitlines()[-1]))
    for table in (prefix + 'retries', prefix + 'tasks'):
        # each version applied by exactly one process; the others' open (and a second migrate) found it done
        applied = sorted(version for result in results for version in result[table])
        assert applied and applied == list(range(1, max(applied) + 1))
    store = _store(TasksPostgresPersistence, postgres_uri, prefix)
    try:
        assert store.migrate(None) == []  # a second open applies nothing
        rows = store._fetch_all(f'SELECT store, version FROM {prefix}schema_migrations ORDER BY 1, 2')
        assert [(r['store'], r['version']) for r in rows] == [('retries', 1), ('tasks', 1)]
    finally:
        store.close(None)


def test_a_first_open_creates_the_tables_and_a_second_applies_nothing(postgres_uri):
    prefix = unique_name('m') + '_'
    first = RetriesPostgresPersistence()
    first.configure(ConfigParams.from_tuples('connection.uri', postgres_uri, 'table_prefix', prefix))
    first.open(None)
    second = _store(RetriesPostgresPersistence, postgres_uri, prefix)
    try:
        assert first.applied_migrations == [1] and second.applied_migrations == []
        assert second.migrate(None) == []
        now = clock.now()
        first.add_attempt(None, 'g', 'a', now, clock.add_ms(now, 1000))
        assert second.get_one_by_ids(None, 'g', 'a').attempt_count == 1
    finally:
        first.close(None)
        second.close(None)


def _add(store):
    now = clock.now()
    return store.add_attempt(None, 'g', 'x', now, clock.add_ms(now, 60000))


def _until_answered(call, seconds=20):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except DatabaseUnavailableException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_paused_database_gives_503_in_time_and_the_store_recovers(own_postgres):
    store = _store(RetriesPostgresPersistence, own_postgres.uri, 'p_', timeout_ms=1000)
    try:
        assert _add(store).attempt_count == 1
        own_postgres.pause()
        try:
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailableException) as raised:
                _add(store)
            assert time.monotonic() - started < 2.5
            assert (raised.value.status, raised.value.code) == (503, 'DATABASE_UNAVAILABLE')
            assert store._connection.health()['status'] == 'down'
        finally:
            own_postgres.resume()
        # the call that got 503 had reached the server: it may have counted once the server went on
        assert _until_answered(lambda: _add(store)).attempt_count in (2, 3)
        assert store._connection.health()['status'] == 'up'
    finally:
        store.close(None)


def test_a_stopped_database_gives_503_over_http_and_the_service_recovers(own_postgres):
    with running_container(POSTGRES_ENABLED='true', POSTGRES_SERVICE_URI=own_postgres.uri, POSTGRES_TIMEOUT=1000,
                           JOBS_DISABLED='true', CRON_DISABLED='true') as url:
        def add():
            return requests.post(url + '/v1/retries/add_retry', json={'group': 'g', 'id': 'x', 'ttl': 60000},
                                 timeout=10)
        assert add().status_code == 200
        own_postgres.stop_server()
        started = time.monotonic()
        response = add()
        assert time.monotonic() - started < 2.5
        assert response.status_code == 503 and response.json()['code'] == 'DATABASE_UNAVAILABLE'
        assert requests.get(url + '/status', timeout=10).json()['status'] == 'down'
        own_postgres.resume_from_stop()
        deadline = time.monotonic() + 20
        while add().status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert requests.get(url + '/status', timeout=10).json()['status'] == 'up'
        retry = requests.post(url + '/v1/retries/get_retry_by_id', json={'group': 'g', 'id': 'x'}, timeout=10).json()
        assert retry['attempt_count'] >= 2
