"""Retry backoff and retry_jobs, on memory, file and MongoDB."""
import time

import pytest
from pip_services3_commons.data import FilterParams
from pip_services3_commons.errors import BadRequestException

from service_background.jobs.data.version1 import JobV1
from service_background.jobs.logic.job_backoff import delay_ms

from .wiring import wire


@pytest.fixture
def wired(persistence):
    controller, client = wire(persistence)
    yield controller, client
    controller.close(None)


def test_delay_rules():
    job = JobV1(retries=1)
    assert delay_ms(job, 1000, 3600000, 0) == 1000
    job.retries = 4
    assert delay_ms(job, 1000, 3600000, 0) == 8000
    job.retries = 40
    assert delay_ms(job, 1000, 3600000, 0) == 3600000
    job.backoff = {'type': 'fixed', 'base_ms': 300, 'jitter': 0.5}
    assert delay_ms(job, 1000, 3600000, 0, rng=lambda: 0.999) == pytest.approx(150, abs=1)
    assert delay_ms(job, 1000, 3600000, 0, rng=lambda: 0.0) == 300


def test_fail_with_attempts_left_requeues_after_backoff(wired):
    controller, client = wired
    job = client.add_job(None, {'type': 'b', 'max_retries': 3, 'backoff': {'type': 'fixed', 'base_ms': 700,
                                                                          'jitter': 0}})
    taken = client.start_job_by_type(None, 'b', 60000)
    back = client.fail_job(None, job.id, 'boom')
    assert back.status == 'queued' and back.last_error == 'boom; retry 2 of 3 after 700 ms'
    assert 0.65 < (back.not_before - taken.started).total_seconds() < 1.5
    assert client.start_job_by_type(None, 'b') is None  # not due yet
    time.sleep(0.8)
    assert client.start_job_by_type(None, 'b', 60000).retries == 2
    back = controller.update_job(None, job.id, 'failed', {'partial': 1})  # the queue API's PUT failed
    assert back.status == 'queued' and back.result == {'partial': 1}
    time.sleep(0.8)
    client.start_job_by_type(None, 'b', 60000)
    dead = client.fail_job(None, job.id, 'last')  # past max_retries: failed, kept as dead
    assert dead.status == 'failed' and dead.last_error == 'last' and dead.remove_at is not None
    page = client.get_jobs(None, FilterParams.from_tuples('status', 'failed'), None)
    assert [j.id for j in page.data] == [job.id]


def test_lost_lease_backs_off(wired):
    controller, client = wired
    job = client.add_job(None, {'type': 'l', 'backoff': {'type': 'exponential', 'base_ms': 5000, 'jitter': 0}})
    client.start_job_by_type(None, 'l', 10)
    time.sleep(0.05)
    controller.release_expired_leases(None)
    back = client.get_job_by_id(None, job.id)
    assert back.status == 'queued' and back.last_error.startswith('lease expired; retry 2 of')
    assert (back.not_before - back.started).total_seconds() > 4.5


def test_abort_still_requeues_at_once(wired):
    _, client = wired
    job = client.add_job(None, {'type': 'a'})
    client.start_job_by_type(None, 'a', 60000)
    client.abort_job(None, job.id)
    assert client.start_job_by_type(None, 'a').id == job.id


def test_retry_jobs_requeues_dead_jobs(wired):
    _, client = wired
    jobs = client.add_jobs(None, [{'type': 'r', 'max_retries': 1} for _ in range(3)]
                           + [{'type': 'keep', 'max_retries': 1}])
    for job in jobs:
        client.start_job_by_id(None, job.id, 60000)
        client.fail_job(None, job.id, 'dead')
    count = client.retry_jobs(None, FilterParams.from_tuples('type', 'r'))
    assert count == 3
    again = [client.get_job_by_id(None, job.id) for job in jobs]
    assert [j.status for j in again] == ['queued'] * 3 + ['failed']
    assert again[0].retries == 0 and again[0].last_error == 'dead' and again[0].completed is None
    assert client.start_job_by_type(None, 'r').retries == 1
    assert client.retry_jobs(None, FilterParams.from_tuples('type', 'r')) == 0
    with pytest.raises(BadRequestException):
        client.retry_jobs(None, FilterParams.from_tuples('status', 'done'))


def test_bad_backoff_is_refused(wired):
    _, client = wired
    for bad in ({'type': 'linear'}, {'base_ms': -1}, {'base_ms': 1e300}, {'max_ms': 1e14}, {'jitter': 2},
                {'x': 1}, 'fast'):
        with pytest.raises(BadRequestException):
            client.add_job(None, {'type': 'b', 'backoff': bad})
