"""Unique jobs with an explicit lifetime, on memory, file and MongoDB."""
import time

import pytest
from pip_services3_commons.errors import BadRequestException

from .wiring import wire


@pytest.fixture
def client(persistence):
    controller, client = wire(persistence)
    yield client
    controller.close(None)


def test_until_finished_holds_while_queued_and_running(client):
    first = client.add_job(None, {'type': 'u', 'ref_id': 'r1', 'unique': {'until': 'finished'}})
    assert first.unique_key == 'r1' and first.unique_until == 'finished'
    assert client.add_job(None, {'type': 'u', 'ref_id': 'r1', 'unique': {}}).id == first.id
    assert client.add_uniq_job(None, {'type': 'u', 'ref_id': 'r1'}).id == first.id  # one key space
    assert client.add_job(None, {'type': 'other', 'ref_id': 'r1', 'unique': {}}).id != first.id  # per type
    client.start_job_by_type(None, 'u', 60000)
    assert client.add_job(None, {'type': 'u', 'ref_id': 'r1', 'unique': {}}).id == first.id
    client.complete_job(None, first.id)
    second = client.add_job(None, {'type': 'u', 'ref_id': 'r1', 'unique': {}})
    assert second.id != first.id and second.status == 'queued'


def test_until_started_ends_with_the_take(client):
    first = client.add_job(None, {'type': 's', 'unique': {'key': 'k', 'until': 'started'}})
    assert client.add_job(None, {'type': 's', 'unique': {'key': 'k', 'until': 'started'}}).id == first.id
    assert client.start_job_by_type(None, 's', 60000).id == first.id
    second = client.add_job(None, {'type': 's', 'unique': {'key': 'k', 'until': 'started'}})
    assert second.id != first.id
    assert client.add_job(None, {'type': 's', 'unique': {'key': 'k', 'until': 'started'}}).id == second.id


def test_until_ttl_outlives_the_job_then_expires(client):
    first = client.add_job(None, {'type': 't', 'unique': {'key': 'k', 'until': 'ttl', 'ttl': 1500}})
    client.start_job_by_type(None, 't', 60000)
    client.complete_job(None, first.id)
    assert client.add_job(None, {'type': 't', 'unique': {'key': 'k', 'until': 'ttl', 'ttl': 1500}}).id == first.id
    time.sleep(1.6)
    second = client.add_job(None, {'type': 't', 'unique': {'key': 'k', 'until': 'ttl', 'ttl': 1500}})
    assert second.id != first.id
    client.delete_job_by_id(None, second.id)  # deleting the holder ends its lock
    assert client.add_job(None, {'type': 't', 'unique': {'key': 'k', 'until': 'ttl', 'ttl': 100}}).id != second.id


def test_add_jobs_with_unique_and_bad_specs(client):
    jobs = client.add_jobs(None, [{'type': 'b', 'unique': {'key': 'x'}}, {'type': 'b', 'unique': {'key': 'x'}},
                                  {'type': 'b'}])
    assert jobs[0].id == jobs[1].id and jobs[2].id != jobs[0].id
    for bad in ({'until': 'never', 'key': 'a'}, {'until': 'ttl', 'key': 'a'}, {}, {'key': 3},
                {'until': 'started', 'key': 'a', 'ttl': 5}, {'until': 'ttl', 'key': 'a', 'ttl': 1e300}):
        with pytest.raises(BadRequestException):
            client.add_job(None, {'type': 'b', 'unique': bad})


def test_add_uniq_job_keeps_seed_behaviour(client):
    a = client.add_uniq_job(None, {'type': 'q', 'ref_id': 'r'})
    assert a.unique_until == 'finished'
    assert client.add_uniq_job(None, {'type': 'q', 'ref_id': 'r'}).id == a.id
    client.fail_job(None, client.start_job_by_type(None, 'q').id, 'x')  # back with a backoff: still unfinished
    client.delete_job_by_id(None, a.id)
    assert client.add_uniq_job(None, {'type': 'q', 'ref_id': 'r'}).id != a.id
    plain = client.add_uniq_job(None, {'type': 'q'})  # no ref_id: a plain add
    assert plain.unique_key is None
