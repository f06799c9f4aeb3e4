"""Job dependencies (depends_on) and batches, on memory, file, MongoDB and PostgreSQL."""
import time

import pytest
from pip_services3_commons.errors import BadRequestException, NotFoundException
from pip_services3_commons.refer import Descriptor

from service_background.jobs.logic.job_batches import JobBatches
from service_background.jobs.persistence import (
    JobBatchesFilePersistence,
    JobBatchesMemoryPersistence,
    JobBatchesMongoDbPersistence,
    JobBatchesPostgresPersistence,
)

from .. import helpers
from .receiver import CallbackReceiver
from .wiring import wire

BATCH_CLASSES = {'memory': JobBatchesMemoryPersistence, 'file': JobBatchesFilePersistence,
                 'mongodb': JobBatchesMongoDbPersistence, 'postgres': JobBatchesPostgresPersistence}


@pytest.fixture
def wired(persistence, persistence_kind, tmp_path, request):
    kind = persistence_kind
    mongo_uri = request.getfixturevalue('mongo_uri') if kind == 'mongodb' else None
    controller, client = wire(persistence, lease_interval=100000, callback_backoff=50)
    postgres_uri = request.getfixturevalue('postgres_uri') if kind == 'postgres' else None
    store = helpers.make_persistence(kind, BATCH_CLASSES, tmp_path, mongo_uri, 'batches', postgres_uri)
    helpers.wire(Descriptor('service-background-jobs', 'persistence-batches', kind, 'default', '1.0'), store,
                 Descriptor('service-background-jobs', 'persistence', kind, 'default', '1.0'), persistence,
                 Descriptor('service-background-jobs', 'controller', 'default', 'default', '1.0'), controller,
                 Descriptor('service-background-jobs', 'batches', 'default', 'default', '1.0'), JobBatches())
    yield controller, client
    controller.close(None)


def _run(client, type):
    job = client.start_job_by_type(None, type, 60000)
    assert job is not None
    return client.complete_job(None, job.id)


def test_a_child_waits_for_every_parent(wired):
    _, client = wired
    a = client.add_job(None, {'type': 'p'})
    b = client.add_job(None, {'type': 'p'})
    child = client.add_job(None, {'type': 'c', 'depends_on': [a.id, b.id, a.id]})
    assert child.status == 'queued' and sorted(child.waiting_on) == sorted([a.id, b.id])
    assert client.start_job_by_type(None, 'c') is None
    _run(client, 'p')
    assert client.start_job_by_type(None, 'c') is None
    _run(client, 'p')
    released = client.get_job_by_id(None, child.id)
    assert released.waiting_on is None and released.depends_on == [a.id, b.id]
    assert client.start_job_by_type(None, 'c').id == child.id
    late = client.add_job(None, {'type': 'c', 'depends_on': [a.id]})  # its parent is done already
    assert client.get_job_by_id(None, late.id).waiting_on is None
    assert client.start_job_by_type(None, 'c').id == late.id


def test_a_failed_or_deleted_parent_fails_the_child_and_cascades(wired):
    _, client = wired
    parent = client.add_job(None, {'type': 'p', 'max_retries': 1})
    child = client.add_job(None, {'type': 'c', 'depends_on': [parent.id]})
    grandchild = client.add_job(None, {'type': 'g', 'depends_on': [child.id]})
    client.start_job_by_type(None, 'p', 60000)
    client.fail_job(None, parent.id, 'boom')
    failed = client.get_job_by_id(None, child.id)
    assert failed.status == 'failed' and failed.last_error == f'parent {parent.id} is failed'
    assert client.get_job_by_id(None, grandchild.id).status == 'failed'
    other = client.add_job(None, {'type': 'p'})
    orphan = client.add_job(None, {'type': 'c', 'depends_on': [other.id]})
    client.delete_job_by_id(None, other.id)
    assert 'was deleted' in client.get_job_by_id(None, orphan.id).last_error
    unknown = client.add_job(None, {'type': 'c', 'depends_on': ['no-such-job']})
    assert client.get_job_by_id(None, unknown.id).status == 'failed'
    with pytest.raises(BadRequestException):
        client.add_job(None, {'type': 'c', 'depends_on': 'x'})


def test_retry_jobs_makes_a_child_wait_again(wired):
    _, client = wired
    from pip_services3_commons.data import FilterParams
    parent = client.add_job(None, {'type': 'p', 'max_retries': 1})
    child = client.add_job(None, {'type': 'c', 'depends_on': [parent.id]})
    client.start_job_by_type(None, 'p', 60000)
    client.fail_job(None, parent.id, 'boom')
    assert client.retry_jobs(None, FilterParams()) == 2
    assert client.start_job_by_type(None, 'c') is None  # waits for its parent again
    _run(client, 'p')
    assert client.start_job_by_type(None, 'c').id == child.id


def test_batch_counts_callback_once_and_cancel(wired):
    controller, client = wired
    receiver = CallbackReceiver()
    try:
        batch = client.add_batch(None, [{'type': 'b'}, {'type': 'b'}, {'type': 'b', 'max_retries': 1}],
                                 receiver.url, 'three')
        assert batch['total'] == 3 and batch['counts']['queued'] == 3 and batch['description'] == 'three'
        _run(client, 'b')
        _run(client, 'b')
        last = client.start_job_by_type(None, 'b', 60000)
        assert client.get_batch(None, batch['id'])['counts']['running'] == 1
        assert receiver.wait(1, 0.3) == []
        client.fail_job(None, last.id, 'x')
        received = receiver.wait(1)
        assert len(received) == 1 and received[0]['id'] == batch['id']
        assert received[0]['counts'] == {'queued': 0, 'running': 0, 'done': 2, 'failed': 1, 'aborted': 0,
                                         'cancelled': 0, 'skipped': 0}
        assert received[0]['completed'] is not None and received[0]['done'] is True
        time.sleep(0.3)
        assert len(receiver.received) == 1  # once
        second = client.add_batch(None, [{'type': 'x'}] * 4, receiver.url)
        running = client.start_job_by_type(None, 'x', 60000)
        canceled = client.cancel_batch(None, second['id'])
        assert canceled['canceled'] is True and canceled['counts']['cancelled'] == 3
        assert canceled['counts']['running'] == 1 and not canceled['done']
        assert client.get_job_by_id(None, running.id).cancel_requested is True  # asked to stop
        client.complete_job(None, running.id)
        assert receiver.wait(2)[1]['id'] == second['id']
        with pytest.raises(NotFoundException):
            client.get_batch(None, 'no-such-batch')
        with pytest.raises(BadRequestException):
            client.add_batch(None, [])
    finally:
        receiver.close()


def test_the_cleaner_decides_children_left_waiting(wired):
    """A process that died between a parent's finish and its children's update: the cleaner's sweep."""
    controller, client = wired
    parent = client.add_job(None, {'type': 'p'})
    child = client.add_job(None, {'type': 'c', 'depends_on': [parent.id]})
    from service_background.common.data import clock
    from service_background.jobs.data.version1 import job_transitions as rules
    # the parent finished behind the controller's back (no hook ran)
    controller._persistence.modify(None, parent.id, lambda j: rules.finish(j, clock.now(), 'done', None, None, None))
    assert client.start_job_by_type(None, 'c') is None
    controller.clean_jobs(None)
    assert client.start_job_by_type(None, 'c').id == child.id


def test_indexes_survive_a_file_restart(tmp_path):
    from service_background.jobs.persistence import JobsFilePersistence
    path = tmp_path / 'jobs.json'
    persistence = helpers.open_file_persistence(JobsFilePersistence, path)
    controller, client = wire(persistence, lease_interval=100000)
    parent = client.add_job(None, {'type': 'p'})
    child = client.add_job(None, {'type': 'c', 'depends_on': [parent.id]})
    held = client.add_job(None, {'type': 'u', 'unique': {'key': 'k', 'until': 'ttl', 'ttl': 60000}})
    controller.close(None)
    persistence.close(None)
    persistence = helpers.open_file_persistence(JobsFilePersistence, path)
    controller, client = wire(persistence, lease_interval=100000)
    try:
        assert persistence.get_waiting_children(None, parent.id) == [child.id]
        assert client.add_job(None, {'type': 'u', 'unique': {'key': 'k', 'until': 'ttl', 'ttl': 60000}}).id == held.id
        client.complete_job(None, client.start_job_by_type(None, 'p').id)
        assert client.start_job_by_type(None, 'c').id == child.id
    finally:
        controller.close(None)
        persistence.close(None)
