"""Paused queues on memory, file, MongoDB and PostgreSQL: a take of a paused type, or of any type, skips it
until it is resumed."""
import pytest
import requests

from service_background.jobs.logic.queue_pauses import QueuePauses
from service_background.jobs.persistence import (
    QueuePausesFilePersistence,
    QueuePausesMemoryPersistence,
    QueuePausesMongoDbPersistence,
    QueuePausesPostgresPersistence,
)

from .. import helpers
from .wiring import wire, wire_feature

PAUSE_CLASSES = {'memory': QueuePausesMemoryPersistence, 'file': QueuePausesFilePersistence,
                 'mongodb': QueuePausesMongoDbPersistence, 'postgres': QueuePausesPostgresPersistence}


def _wire_pauses(controller, persistence, kind, tmp_path, mongo_uri, postgres_uri=None):
    store = helpers.make_persistence(kind, PAUSE_CLASSES, tmp_path, mongo_uri, 'pauses', postgres_uri)
    wire_feature(controller, persistence, kind, store, 'pauses', QueuePauses())
    return store


@pytest.fixture
def wired(persistence, persistence_kind, tmp_path, request):
    mongo_uri = request.getfixturevalue('mongo_uri') if persistence_kind == 'mongodb' else None
    controller, client = wire(persistence, lease_interval=100000)
    postgres_uri = request.getfixturevalue('postgres_uri') if persistence_kind == 'postgres' else None
    store = _wire_pauses(controller, persistence, persistence_kind, tmp_path, mongo_uri, postgres_uri)
    yield controller, store
    controller.close(None)


def test_paused_queue_is_skipped_by_every_take(wired):
    controller, store = wired
    controller.add_job(None, {'type': 'held'})
    assert controller.pauses.pause(None, 'held') == {'type': 'held', 'paused': True}
    assert controller.pauses.paused_types(None) == ['held']
    assert [pause.id for pause in store.get_list_by_filter(None)] == ['held']  # kept in its store
    assert controller.start_job_by_type(None, 'held') is None
    assert controller.want_job(None, 'held', 0) is None
    assert controller.want_job(None, None, 0) is None  # any type skips it too
    controller.add_job(None, {'type': 'free'})
    assert controller.want_job(None, None, 0).type == 'free'
    assert controller.pauses.resume(None, 'held') == {'type': 'held', 'paused': False}
    assert controller.pauses.paused_types(None) == []
    assert controller.want_job(None, 'held', 0).type == 'held'


def test_paused_queue_is_skipped_by_both_faces_on_every_store(store_service):
    url = store_service

    def post(path, body=None):
        r = requests.post(url + path, json=body or {}, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()
    post('/v1/jobs/add_job', {'new_job': {'type': 'held'}})
    post('/v1/jobs/pause_queue', {'type': 'held'})
    assert post('/v1/jobs/get_paused_queues') == ['held']
    assert requests.post(url + '/v1/jobs/start_job_by_type', json={'type': 'held'}).status_code == 204
    assert requests.post(url + '/want_job', json={'queue': 'held'}).status_code == 204
    assert requests.post(url + '/want_job', json={}).status_code == 204  # any type skips it too
    post('/v1/jobs/add_job', {'new_job': {'type': 'free'}})
    assert requests.post(url + '/want_job', json={}).json()['type'] == 'free'
    post('/v1/jobs/resume_queue', {'type': 'held'})
    assert requests.post(url + '/want_job', json={'queue': 'held'}).json()['type'] == 'held'
