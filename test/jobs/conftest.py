"""The jobs tests' fixtures: the jobs persistence on every backend and two processes sharing a MongoDB or a
PostgreSQL database."""
import threading

import pytest
import requests

from service_background.jobs.persistence import (
    JobsFilePersistence,
    JobsMemoryPersistence,
    JobsMongoDbPersistence,
    JobsPostgresPersistence,
)

from ..cron.service_process import ServiceProcess
from ..helpers import persistence_fixture, unique_name

# the jobs persistence fixture: every test using it runs on memory, file, MongoDB and PostgreSQL
CLASSES = {'memory': JobsMemoryPersistence, 'file': JobsFilePersistence, 'mongodb': JobsMongoDbPersistence,
           'postgres': JobsPostgresPersistence}
persistence = persistence_fixture(CLASSES, 'jobs')


def shared_database_env(kind: str, request, tmp_path) -> dict:
    """The environment of service processes sharing one fresh MongoDB (``kind`` mongodb) or PostgreSQL
    (postgres) database."""
    if kind == 'mongodb':
        return dict(MONGO_ENABLED='true', MONGO_SERVICE_URI=request.getfixturevalue('mongo_uri'),
                    MONGO_DB=unique_name('procs'))
    return dict(POSTGRES_ENABLED='true', POSTGRES_SERVICE_URI=request.getfixturevalue('postgres_uri'),
                POSTGRES_TABLE_PREFIX=unique_name('procs') + '_', DATA_DIR=str(tmp_path / 'data'))


@pytest.fixture(params=['mongodb', 'postgres'])
def two_jobs_processes(request, tmp_path):
    """Two service processes (jobs on, cron off) sharing one MongoDB or PostgreSQL database; yields
    ``post(i, path, body)`` which calls process ``i % 2`` with a kept-alive session per thread, and the two URLs."""
    env = shared_database_env(request.param, request, tmp_path)
    services = [ServiceProcess(**env) for _ in range(2)]
    for service in services:  # ServiceProcess starts cron alone by default
        service.env.update(JOBS_DISABLED='false', CRON_DISABLED='true')
        service.start()
    sessions = {}

    def post(i: int, path: str, body: dict) -> dict:
        session = sessions.setdefault(threading.get_ident(), requests.Session())
        r = session.post(f'{services[i % 2].url}{path}', json=body, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()
    try:
        for service in services:
            service.wait_ready()
        yield post, [s.url for s in services]
    finally:
        for service in services:
            service.stop()
