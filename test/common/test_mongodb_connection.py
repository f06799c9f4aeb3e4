"""One MongoDB connection per process, with timeouts: a paused database (SIGSTOP of the test server)
gives 503 DATABASE_UNAVAILABLE within the timeout, /status says the database is down, and the
service recovers by itself after SIGCONT."""
import os
import signal
import threading
import time

import pymongo
import pytest
import requests
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor

from service_background.common.http.errors import describe
from service_background.common.persistence.mongodb_connection import DatabaseUnavailableException, MongoDbConnection

from ..helpers import CONFIG_PATH, free_port, unique_name, wait_http
from ..mongo_server import MongoServer


def test_defaults_and_fixed_options():
    connection = MongoDbConnection()
    connection.configure(ConfigParams.from_tuples('connection.uri', 'mongodb://127.0.0.1:1',
                                                  'options.replica_set', 'rs0', 'options.max_pool_size', 7))
    settings = connection._settings()
    assert settings['serverSelectionTimeoutMS'] == 5000 and settings['socketTimeoutMS'] == 5000
    assert settings['connectTimeoutMS'] == 5000 and settings['maxPoolSize'] == 7
    assert settings['replicaSet'] == 'rs0' and 'replica_set' not in settings and settings['tz_aware']


def test_pymongo_timeouts_are_503_error_descriptions():
    description = describe(pymongo.errors.ServerSelectionTimeoutError('no servers'))
    assert description.status == 503 and description.code == 'DATABASE_UNAVAILABLE'
    assert describe(pymongo.errors.NetworkTimeout('timed out')).status == 503
    assert describe(DatabaseUnavailableException()).status == 503


@pytest.fixture
def container_on(mongo_uri):
    """The real container on a MongoDB; yields (url, container)."""
    from service_background.container import BackgroundProcess
    started = []

    def start(uri, **params):
        port = free_port()
        values = {'HTTP_HOST': '127.0.0.1', 'HTTP_PORT': str(port), 'HTTP_FUNC_LISTEN': str(free_port()),
                  'LOG_LEVEL': 'fatal', 'MONGO_ENABLED': 'true', 'MONGO_SERVICE_URI': uri,
                  'MONGO_DB': unique_name('db')}
        values.update(params)
        container = BackgroundProcess()
        container.read_config_from_file(None, CONFIG_PATH, ConfigParams.from_value(values))
        container.open(None)
        started.append(container)
        url = f'http://127.0.0.1:{port}'
        wait_http(url + '/heartbeat')
        return url, container
    yield start
    for container in started:
        container.close(None)


def test_one_client_for_every_persistence(container_on, mongo_uri):
    url, container = container_on(mongo_uri)
    references = container._references
    connections = references.get_optional(Descriptor('pip-services', 'connection', 'mongodb', '*', '1.0'))
    assert len(connections) == 1 and isinstance(connections[0], MongoDbConnection)
    # every component configured on the mongodb kind but the connection: the persistences
    persistences = [c for c in references.get_optional(Descriptor('*', '*', 'mongodb', '*', '1.0'))
                    if c not in connections]
    assert len(persistences) >= 8
    clients = {id(p._client) for p in persistences}
    assert clients == {id(connections[0].get_connection())}
    assert requests.get(url + '/status', timeout=10).json()['database']['status'] == 'up'


def test_paused_database_gives_503_within_the_timeout_and_recovers(container_on):
    server = MongoServer(own=True)  # a process of our own, so SIGSTOP can pause it
    uri = server.start()
    try:
        timeout_ms = 2000
        url, _ = container_on(uri, MONGO_TIMEOUT=str(timeout_ms))
        add = url + '/v1/retries/add_retry'
        assert requests.post(add, json={'group': 'g', 'id': 'a'}, timeout=10).status_code == 200
        os.killpg(server._process.pid, signal.SIGSTOP)
        try:
            results = []

            def call(i):
                begin = time.monotonic()
                reply = requests.post(add, json={'group': 'g', 'id': f'p{i}'}, timeout=60)
                results.append((reply.status_code, reply.json().get('code'), time.monotonic() - begin))
            threads = [threading.Thread(target=call, args=(i,)) for i in range(20)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            bound = timeout_ms / 1000 + 1.5  # timeoutMS bounds the whole call, its retry included
            assert [(status, code) for status, code, _ in results] == [(503, 'DATABASE_UNAVAILABLE')] * 20
            assert max(seconds for _, _, seconds in results) < bound, results
            print(f'paused database, timeout {timeout_ms} ms: 20 calls answered 503 in '
                  f'{min(s for _, _, s in results):.2f}..{max(s for _, _, s in results):.2f} s')
            status = requests.get(url + '/status', timeout=5).json()
            assert status['database']['status'] == 'down' and status['status'] == 'down'
            begin = time.monotonic()
            assert requests.get(url + '/heartbeat', timeout=5).status_code == 200
            assert time.monotonic() - begin < 1
        finally:
            os.killpg(server._process.pid, signal.SIGCONT)
            resumed = time.monotonic()
        deadline = time.monotonic() + 30
        while True:
            reply = requests.post(add, json={'group': 'g', 'id': 'a'}, timeout=30)
            if reply.status_code == 200:
                break
            assert time.monotonic() < deadline, reply.text
            time.sleep(0.2)
        assert reply.json()['attempt_count'] >= 2
        print(f'recovered {time.monotonic() - resumed:.1f} s after SIGCONT')
        assert requests.get(url + '/status', timeout=5).json()['database']['status'] == 'up'
    finally:
        server.stop()
