"""The callback outbox across two real service processes sharing a MongoDB or PostgreSQL database: the
callbacks pending on a killed process are delivered by the other, each once, and a process started
while another has callbacks pending never sends them."""
import time

import pytest
import requests

from ..cron.service_process import ServiceProcess
from .conftest import shared_database_env
from .receiver import CallbackReceiver

CLAIM_INTERVAL_MS = 300
JOBS = 5


@pytest.fixture(params=['postgres', 'mongodb'])
def make_process(request, tmp_path):
    """``make_process()`` starts one more service process (jobs on, a short claim interval) on the test's
    shared database and returns it once it answers."""
    env = dict(shared_database_env(request.param, request, tmp_path), JOBS_DISABLED='false', CRON_DISABLED='true',
               JOBS_CALLBACK_CLAIM_INTERVAL=str(CLAIM_INTERVAL_MS))
    started = []

    def make() -> ServiceProcess:
        service = ServiceProcess(**env).start()
        started.append(service)
        service.wait_ready()
        return service
    yield make
    for service in started:
        service.stop()


def _finish_jobs(url: str, type: str, callback_url: str) -> list:
    """Adds, takes and completes ``JOBS`` jobs with a callback on the process at ``url``; their ids."""
    ids = []
    with requests.Session() as session:
        for _ in range(JOBS):
            job = session.post(f'{url}/v1/jobs/add_job', json={'new_job': {'type': type, 'callback_url': callback_url}},
                               timeout=30).json()
            taken = session.post(f'{url}/v1/jobs/start_job_by_type', json={'type': type}, timeout=30).json()
            assert taken['id'] == job['id']
            done = session.post(f'{url}/v1/jobs/complete_job',
                                json={'job_id': job['id'], 'lease_token': taken['lease_token']}, timeout=30)
            assert done.status_code == 200, done.text
            ids.append(job['id'])
    return ids


def _delivered_once(receiver: CallbackReceiver, ids: list) -> None:
    """Every job of ``ids`` is delivered, and stays delivered once over many claim rounds."""
    receiver.wait(len(ids), timeout=60)
    time.sleep(8 * CLAIM_INTERVAL_MS / 1000)  # a wrong claim would send some again by now
    delivered = sorted(body['id'] for body in receiver.received)
    assert delivered == sorted(ids), delivered


def test_the_callbacks_of_a_killed_process_are_delivered_by_the_other_once(make_process):
    receiver = CallbackReceiver()
    receiver.set_failing(True)
    try:
        doomed, survivor = make_process(), make_process()
        ids = _finish_jobs(doomed.url, 'doomed', receiver.url)
        assert receiver.wait_attempts(JOBS) >= JOBS  # each tried once and failed: pending on the doomed process
        doomed.kill()
        receiver.set_failing(False)
        _delivered_once(receiver, ids)
        assert survivor.process.poll() is None
    finally:
        receiver.close()


def test_a_process_started_later_never_sends_the_callbacks_of_a_live_one(make_process):
    receiver = CallbackReceiver()
    receiver.set_failing(True)
    try:
        first = make_process()
        ids = _finish_jobs(first.url, 'first', receiver.url)
        assert receiver.wait_attempts(JOBS) >= JOBS  # pending on the first process, retried with backoff
        second = make_process()
        ids += _finish_jobs(second.url, 'second', receiver.url)
        assert receiver.wait_attempts(2 * JOBS) >= 2 * JOBS
        time.sleep(6 * CLAIM_INTERVAL_MS / 1000)  # claim rounds of both while the receiver still fails
        receiver.set_failing(False)
        _delivered_once(receiver, ids)  # each from its own process's retries
    finally:
        receiver.close()
