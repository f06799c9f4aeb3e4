"""Fixtures every test folder shares: the MongoDB-wire server, whole containers per backend, redis."""
import os
import shutil
import subprocess
import tempfile
import time

import pytest
import redis

from .helpers import free_port, running_container, unique_name
from .mongo_server import MongoServer
from .postgres_server import PostgresServer


@pytest.fixture(scope='session')
def mongo_uri():
    server = MongoServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope='session')
def postgres_uri():
    """A throwaway PostgreSQL cluster, started the first time a test of this process asks for it."""
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own, to pause, stop or kill."""
    server = PostgresServer(own=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def persistence_kind(request):
    """The backend kind (memory, file, mongodb...) the test's ``persistence`` fixture runs on."""
    return request.node.callspec.params['persistence']


@pytest.fixture
def memory_service():
    """The whole container on memory persistences; yields its base URL."""
    with running_container(MEMORY_ENABLED='true') as url:
        yield url


@pytest.fixture(params=['memory', 'file', 'mongodb', 'postgres'])
def store_service(request, tmp_path):
    """The whole container on each kind of persistence in turn (a database of its own on MongoDB, tables of
    their own on PostgreSQL, where the domains not on it yet keep their files)."""
    if request.param == 'memory':
        params = {'MEMORY_ENABLED': 'true'}
    elif request.param == 'file':
        params = {'DATA_DIR': str(tmp_path / 'data')}
    elif request.param == 'postgres':
        params = {'POSTGRES_ENABLED': 'true', 'POSTGRES_SERVICE_URI': request.getfixturevalue('postgres_uri'),
                  'POSTGRES_TABLE_PREFIX': unique_name('t') + '_', 'DATA_DIR': str(tmp_path / 'data')}
    else:
        params = {'MONGO_ENABLED': 'true',
                  'MONGO_SERVICE_URI': request.getfixturevalue('mongo_uri').rstrip('/') + '/' + unique_name('db')}
    with running_container(**params) as url:
        yield url


@pytest.fixture
def file_service_factory(tmp_path):
    """Starts containers on file persistences under one temp folder (for restart tests)."""
    def start():
        return running_container(DATA_DIR=str(tmp_path / 'data'))
    return start


@pytest.fixture(scope='session')
def redis_port():
    """A real redis-server on a free loopback port, without persistence, stopped after the session."""
    binary = os.environ.get('REDIS_SERVER_BIN') or shutil.which('redis-server') or '/usr/bin/redis-server'
    port = free_port()
    workdir = tempfile.mkdtemp(prefix='cron_lua_redis_')
    process = subprocess.Popen([binary, '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                                '--appendonly', 'no', '--dir', workdir],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(host='127.0.0.1', port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f'redis-server did not start on port {port}')
                time.sleep(0.05)
        client.close()
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)
