"""Global per-queue limits (concurrency, rate), on memory, file, MongoDB and PostgreSQL."""
import asyncio
import threading
import time

import pytest
from pip_services3_commons.errors import BadRequestException

from service_background.jobs.logic.queue_limits import QueueLimits
from service_background.jobs.persistence import (
    QueueLimitsFilePersistence,
    QueueLimitsMemoryPersistence,
    QueueLimitsMongoDbPersistence,
    QueueLimitsPostgresPersistence,
)

from .. import helpers
from .wiring import wire, wire_feature

LIMIT_CLASSES = {'memory': QueueLimitsMemoryPersistence, 'file': QueueLimitsFilePersistence,
                 'mongodb': QueueLimitsMongoDbPersistence, 'postgres': QueueLimitsPostgresPersistence}


def wire_limits(controller, persistence, kind, tmp_path, mongo_uri, postgres_uri=None):
    store = helpers.make_persistence(kind, LIMIT_CLASSES, tmp_path, mongo_uri, 'limits', postgres_uri)
    return wire_feature(controller, persistence, kind, store, 'limits', QueueLimits())


@pytest.fixture
def wired(persistence, persistence_kind, tmp_path, request):
    kind = persistence_kind
    mongo_uri = request.getfixturevalue('mongo_uri') if kind == 'mongodb' else None
    controller, client = wire(persistence, lease_interval=100000)
    postgres_uri = request.getfixturevalue('postgres_uri') if kind == 'postgres' else None
    wire_limits(controller, persistence, kind, tmp_path, mongo_uri, postgres_uri)
    yield controller, client
    controller.close(None)


def test_concurrency_limit_counts_running_jobs(wired):
    controller, client = wired
    assert client.set_queue_limits(None, 'c', 2) == {'type': 'c', 'concurrency': 2, 'rate': None,
                                                     'group_concurrency': None}
    client.add_jobs(None, [{'type': 'c', 'backoff': {'base_ms': 0}} for _ in range(6)])
    taken = client.start_jobs_by_type(None, 'c', 60000, 5)
    assert len(taken) == 2 and client.start_job_by_type(None, 'c') is None
    client.add_job(None, {'type': 'free'})
    assert client.start_job_by_type(None, 'free') is not None  # other queues are not limited
    client.complete_job(None, taken[0].id)
    assert client.start_job_by_type(None, 'c', 60000) is not None
    assert client.start_job_by_type(None, 'c') is None
    client.fail_job(None, taken[1].id, 'x')  # back to the queue (no backoff): its slot frees
    assert client.start_job_by_type(None, 'c', 10) is not None
    time.sleep(0.05)
    controller.release_expired_leases(None)  # a lease that runs out frees its slot
    assert client.start_job_by_type(None, 'c', 60000) is not None
    assert client.start_job_by_type(None, 'c') is None
    extra = client.add_job(None, {'type': 'c'})
    assert client.start_job_by_id(None, extra.id, 60000).status == 'running'  # by hand: not refused, counts
    assert client.start_job_by_type(None, 'c') is None
    client.delete_job_by_id(None, extra.id)  # deleting a running job frees its slot: two run, still full
    assert client.start_job_by_type(None, 'c', 60000) is None
    client.clear_queue_limits(None, 'c')
    assert client.get_queue_limits(None) == []


def test_rate_limit_per_window(wired):
    _, client = wired
    client.set_queue_limits(None, 'r', rate={'limit': 3, 'period_ms': 1000})
    assert client.get_queue_limits(None, 'r') == [{'type': 'r', 'concurrency': None,
                                                   'rate': {'limit': 3, 'period_ms': 1000},
                                                   'group_concurrency': None}]
    client.add_jobs(None, [{'type': 'r'} for _ in range(8)])
    time.sleep(1.0 - (time.time() % 1.0) + 0.02)  # the start of a window
    first = client.start_jobs_by_type(None, 'r', 60000, 8)
    assert len(first) == 3 and client.start_job_by_type(None, 'r') is None
    time.sleep(1.0 - (time.time() % 1.0) + 0.02)
    assert len(client.start_jobs_by_type(None, 'r', 60000, 8)) == 3


def _long_poll_while_completing(controller, client, job_type: str, running_id: str):
    """A long-poll of ``job_type`` while the running job completes 0.4 s later: (the job it got, seconds waited)."""
    async def main():
        threading.Timer(0.4, lambda: client.complete_job(None, running_id)).start()
        started = time.monotonic()
        job = await controller.want_job_async(None, job_type, 5000, 60000)
        return job, time.monotonic() - started
    return asyncio.run(main())


def test_a_long_poll_waits_for_a_free_slot(wired):
    controller, client = wired
    client.set_queue_limits(None, 'w', 1)
    client.add_jobs(None, [{'type': 'w'}, {'type': 'w'}])
    running = client.start_job_by_type(None, 'w', 60000)
    job, waited = _long_poll_while_completing(controller, client, 'w', running.id)
    assert job is not None and job.id != running.id and 0.3 < waited < 2.5


def test_a_long_poll_waits_for_a_free_group_slot(wired):
    controller, client = wired
    client.set_queue_limits(None, 'gw', group_concurrency=1)
    client.add_jobs(None, [{'type': 'gw', 'group_key': 'g'}, {'type': 'gw', 'group_key': 'g'}])
    running = client.start_job_by_type(None, 'gw', 60000)
    assert running is not None and client.start_job_by_type(None, 'gw', 60000) is None  # the group is full
    job, waited = _long_poll_while_completing(controller, client, 'gw', running.id)
    assert job is not None and job.id != running.id and job.group_key == 'g' and 0.3 < waited < 2.5


def test_a_long_poll_wakes_when_the_rate_window_ends(wired):
    controller, client = wired
    client.set_queue_limits(None, 'rw', rate={'limit': 1, 'period_ms': 500})
    client.add_jobs(None, [{'type': 'rw'}, {'type': 'rw'}])
    assert client.start_job_by_type(None, 'rw', 60000) is not None

    async def main():
        started = time.monotonic()
        job = await controller.want_job_async(None, 'rw', 3000, 60000)
        return job, time.monotonic() - started
    job, waited = asyncio.run(main())
    assert job is not None and waited < 1.5


def test_bad_limits(wired):
    _, client = wired
    for args in ((None, None), (0, None), (None, {'limit': 0, 'period_ms': 10}), (None, {'limit': 1}),
                 (1.5, None), (None, 'fast')):
        with pytest.raises(BadRequestException):
            client.set_queue_limits(None, 'b', *args)
