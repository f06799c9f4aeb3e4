"""Controller rules through the direct client, on every persistence (the fixture in conftest.py)."""
import threading
import time

import pytest
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.data import FilterParams
from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException

from service_background.jobs.data.version1 import NewJobV1
from service_background.jobs.persistence import JobsMongoDbPersistence

from ..helpers import make_persistence
from .conftest import CLASSES
from .receiver import CallbackReceiver
from .wiring import wire


@pytest.fixture
def wired(persistence):
    # retry gaps of 150 then 300 ms: their ratio stands out of a loaded machine's scheduling noise
    controller, client = wire(persistence, callback_backoff=150, callback_retries=3)
    yield controller, client
    controller.close(None)


@pytest.fixture
def client(wired):
    return wired[1]


def _wait_until(check, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_priority_then_creation_order(client):
    low = client.add_job(None, NewJobV1(type='t', priority=3))
    first = client.add_job(None, NewJobV1(type='t'))
    time.sleep(0.005)
    second = client.add_job(None, NewJobV1(type='t'))
    top = client.add_job(None, NewJobV1(type='t', priority=0))
    order = [client.start_job_by_type(None, 't', 10000).id for _ in range(4)]
    assert order == [top.id, first.id, second.id, low.id]
    assert client.start_job_by_type(None, 't', 10000) is None


def test_delay_holds_a_job_back(client):
    job = client.add_job(None, NewJobV1(type='d', delay=300))
    assert client.start_job_by_type(None, 'd') is None
    time.sleep(0.35)
    assert client.start_job_by_type(None, 'd').id == job.id


def test_lost_lease_requeues_then_fails_past_max_retries(client):
    # a lost lease re-queues after a backoff; this test is about the lease, so none
    job = client.add_job(None, NewJobV1(type='l', max_retries=2, backoff={'base_ms': 0}))
    assert client.start_job_by_type(None, 'l', 50).retries == 1
    assert _wait_until(lambda: client.get_job_by_id(None, job.id).status == 'queued')
    back = client.get_job_by_id(None, job.id)
    assert back.last_error == 'lease expired' and back.locked_until is None
    assert client.start_job_by_type(None, 'l', 50).retries == 2
    assert _wait_until(lambda: client.get_job_by_id(None, job.id).status == 'failed')
    failed = client.get_job_by_id(None, job.id)
    assert 'lease expired' in failed.last_error and failed.completed is not None
    assert client.start_job_by_type(None, 'l') is None


def test_abort_returns_the_job_at_once(client):
    job = client.add_job(None, NewJobV1(type='a', max_retries=2))
    client.start_job_by_type(None, 'a', 60000)
    aborted = client.abort_job(None, job.id)
    assert aborted.status == 'queued' and aborted.locked_until is None
    with pytest.raises(ConflictException):
        client.abort_job(None, job.id)  # not running
    assert client.start_job_by_type(None, 'a').id == job.id
    assert client.abort_job(None, job.id).status == 'failed'  # that was its last attempt


def test_extend_moves_the_lease(client):
    job = client.add_job(None, NewJobV1(type='e'))
    started = client.start_job_by_type(None, 'e', 150)
    extended = client.extend_job(None, job.id, 60000)
    assert (extended.locked_until - started.started).total_seconds() >= 59
    time.sleep(0.4)
    assert client.get_job_by_id(None, job.id).status == 'running'
    client.complete_job(None, job.id)
    with pytest.raises(ConflictException):
        client.extend_job(None, job.id, 1000)


def test_start_by_id_complete_fail_and_conflicts(client):
    a = client.add_job(None, NewJobV1(type='s', params={'n': 1}))
    b = client.add_job(None, NewJobV1(type='s'))
    started = client.start_job_by_id(None, b.id, 5000)
    assert started.status == 'running' and started.params is None
    with pytest.raises(ConflictException):
        client.start_job_by_id(None, b.id)
    done = client.complete_job(None, b.id, {'answer': 42})
    assert done.status == 'done' and done.result == {'answer': 42} and done.completed is not None
    with pytest.raises(ConflictException):
        client.complete_job(None, b.id)
    failed = client.fail_job(None, a.id, 'boom')
    assert failed.status == 'failed' and failed.last_error == 'boom'
    for call in (client.get_job_by_id, client.abort_job, client.complete_job, client.delete_job_by_id):
        with pytest.raises(NotFoundException):
            call(None, 'no-such-job')


def test_uniq_job(client):
    first = client.add_uniq_job(None, NewJobV1(type='u', ref_id='r'))
    assert client.add_uniq_job(None, NewJobV1(type='u', ref_id='r')).id == first.id
    client.start_job_by_type(None, 'u')
    client.complete_job(None, first.id)
    assert client.add_uniq_job(None, NewJobV1(type='u', ref_id='r')).id != first.id


def test_batches(client):
    jobs = client.add_jobs(None, [NewJobV1(type='b', params=i) for i in range(5)])
    taken = client.start_jobs_by_type(None, 'b', 10000, 3)
    assert [j.id for j in taken] == [j.id for j in jobs[:3]]
    assert len(client.start_jobs_by_type(None, 'b', 10000, 10)) == 2
    assert client.get_jobs(None, FilterParams.from_tuples('type', 'b', 'status', 'running')).data[0].type == 'b'
    client.delete_jobs(None)
    assert client.get_jobs(None).data == []


def test_result_ttl_and_cleaner(persistence):
    controller, client = wire(persistence, clean_interval=50, finished_ttl=0)
    try:
        kept = client.add_job(None, NewJobV1(type='r'))
        short = client.add_job(None, NewJobV1(type='r', result_ttl=200))
        expiring = client.add_job(None, NewJobV1(type='x', ttl=100))
        client.complete_job(None, kept.id, 'k')
        client.complete_job(None, short.id, 's')
        assert client.get_job_by_id(None, short.id).result == 's'
        assert _wait_until(lambda: len(client.get_jobs(None).data) == 1)
        assert [j.id for j in client.get_jobs(None).data] == [kept.id]  # finished_ttl 0: kept for good
        with pytest.raises(NotFoundException):
            client.get_job_by_id(None, expiring.id)
    finally:
        controller.close(None)
    assert not any(t.name.startswith('jobs-') for t in threading.enumerate())


def test_expired_job_is_failed_not_handed_out(client):
    job = client.add_job(None, NewJobV1(type='old', ttl=50))
    time.sleep(0.1)
    assert client.start_job_by_type(None, 'old') is None
    failed = client.get_job_by_id(None, job.id)
    assert failed.status == 'failed' and 'expired' in failed.last_error


def test_callbacks_are_posted_and_retried_with_backoff(client):
    receiver = CallbackReceiver(fail_first=2)
    try:
        job = client.add_job(None, NewJobV1(type='c', callback_url=receiver.url))
        client.start_job_by_type(None, 'c')
        client.complete_job(None, job.id, {'out': 'bar'})
        received = receiver.wait(1)
        assert received[0]['id'] == job.id and received[0]['result'] == {'out': 'bar'}
        assert received[0]['status'] == 'done'
        gaps = [b - a for a, b in zip(receiver.attempts, receiver.attempts[1:])]
        assert len(receiver.attempts) == 3 and gaps[1] > gaps[0] * 1.3  # 150 ms, then 300 ms
        failed = client.add_job(None, NewJobV1(type='c', callback_url=receiver.url))
        client.fail_job(None, failed.id, 'nope')
        assert receiver.wait(2)[1]['last_error'] == 'nope'
    finally:
        receiver.close()


def test_a_slow_callback_never_delays_the_finish(client):
    receiver = CallbackReceiver(delay=2.0)
    try:
        job = client.add_job(None, NewJobV1(type='slow', callback_url=receiver.url))
        start = time.monotonic()
        client.complete_job(None, job.id)
        assert time.monotonic() - start < 1.0
        assert receiver.wait(1)[0]['id'] == job.id
    finally:
        receiver.close()


def test_long_polls_wake_on_enqueue_and_finish(wired):
    controller, client = wired
    result = {}

    def want():
        result['job'] = controller.want_job(None, 'lp', 10000)
        result['at'] = time.monotonic()
    waiter = threading.Thread(target=want)
    waiter.start()
    time.sleep(0.2)
    added_at = time.monotonic()
    job = client.add_job(None, NewJobV1(type='lp'))
    waiter.join(5)
    assert result['job'].id == job.id and result['at'] - added_at < 1.0
    assert controller.want_job(None, 'lp', 200) is None

    def wait_result():
        result['done'] = controller.wait_job_result(None, job.id, 10000)
    waiter = threading.Thread(target=wait_result)
    waiter.start()
    time.sleep(0.2)
    client.complete_job(None, job.id, 'r')
    waiter.join(5)
    assert result['done'].status == 'done'
    assert controller.wait_job_result(None, job.id, 100).result == 'r'


@pytest.mark.parametrize('new_job', [
    {}, {'type': ''}, {'type': 5}, {'type': 't', 'priority': -1}, {'type': 't', 'priority': 4},
    {'type': 't', 'priority': 1.5}, {'type': 't', 'ttl': -1}, {'type': 't', 'delay': 'soon'},
    {'type': 't', 'max_retries': 0}, {'type': 't', 'callback_url': 'ftp://x'}, {'type': 't', 'ref_id': 3},
    'not an object'])
def test_bad_new_jobs_are_bad_requests(client, new_job):
    with pytest.raises(BadRequestException):
        client.add_job(None, new_job)


def test_bad_take_arguments_are_bad_requests(client):
    with pytest.raises(BadRequestException):
        client.start_job_by_type(None, '', 100)
    with pytest.raises(BadRequestException):
        client.start_job_by_type(None, 't', -5)
    with pytest.raises(BadRequestException):
        client.start_jobs_by_type(None, 't', 100, 0)
    with pytest.raises(BadRequestException):
        client.add_jobs(None, [])


def test_a_waiter_sees_jobs_added_by_another_process(mongo_uri, tmp_path):
    """Two controllers on one MongoDB database: no signal crosses, the bounded re-check finds it."""
    persistence = make_persistence('mongodb', CLASSES, tmp_path, mongo_uri, 'jobs')
    other = JobsMongoDbPersistence()
    other.configure(ConfigParams.from_tuples('connection.uri', mongo_uri,
                                             'connection.database', persistence._database_name))
    here, _ = wire(persistence, lease_interval=500)
    there, there_client = wire(other)
    try:
        result = {}
        waiter = threading.Thread(target=lambda: result.update(job=here.want_job(None, 'x-proc', 10000)))
        waiter.start()
        time.sleep(0.2)
        added = time.monotonic()
        job = there_client.add_job(None, NewJobV1(type='x-proc'))
        waiter.join(5)
        assert result['job'].id == job.id and time.monotonic() - added < 2.0
    finally:
        here.close(None)
        there.close(None)
        other.close(None)
        persistence.close(None)
