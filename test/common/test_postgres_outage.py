"""Outages on PostgreSQL, with every domain on it and writers on each (retries, jobs, tasks, cron; the
crash test's writers): a database killed -9 gives 503 DATABASE_UNAVAILABLE and /status down, the service
recovers by itself once it is back, and every acknowledged write is there; a service killed -9 under
write load and started again on the same database has lost nothing it acknowledged."""
import random
import threading
import time

import requests

from ..crash.test_kill9 import Acknowledged, check, writers
from ..cron.service_process import ServiceProcess
from ..helpers import unique_name

TIMEOUT_MS = 1500
KILL_ROUNDS = 3
PROBES = 5


def _service(uri: str, data_dir, prefix: str) -> ServiceProcess:
    """Every domain on (ServiceProcess starts cron alone unless told), on one PostgreSQL database."""
    service = ServiceProcess(POSTGRES_ENABLED='true', POSTGRES_SERVICE_URI=uri, POSTGRES_TABLE_PREFIX=prefix,
                             POSTGRES_TIMEOUT=str(TIMEOUT_MS), DATA_DIR=str(data_dir),
                             RETRIES_DISABLED=None, JOBS_DISABLED=None, TASKS_DISABLED=None)
    service.start()
    try:
        service.wait_ready()
    except Exception:
        service.kill()
        raise
    return service


def _prepare(url: str):
    """The namespace and the cron group the writers write into."""
    assert requests.post(f'{url}/v1/namespace', json={'id': 'crash'}, timeout=10).status_code == 201
    assert requests.post(f'{url}/v1/register/group', json={'group_name': 'crash'}, timeout=10).status_code == 200


def _acknowledged(acked: Acknowledged) -> dict:
    with acked.lock:
        return {'retries': sum(acked.retries.values()), 'jobs': len(acked.jobs), 'tasks': len(acked.tasks),
                'cron': len(acked.cron)}


def _start_writers(url: str, acked: Acknowledged, round: int):
    stop = threading.Event()
    threads = writers(url, acked, stop, round)
    for thread in threads:
        thread.start()
    return stop, threads


def _stop_writers(stop: threading.Event, threads: list):
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)


def _add_retry(url: str, id: str) -> requests.Response:
    # the client's timeout only guards against a hang: the service answers within POSTGRES_TIMEOUT
    return requests.post(f'{url}/v1/retries/add_retry', json={'group': 'probe', 'id': id}, timeout=10)


def test_a_killed_database_gives_503_then_recovers_with_every_acknowledged_write(own_postgres, tmp_path):
    service = _service(own_postgres.uri, tmp_path / 'data', unique_name('o') + '_')
    try:
        url = service.url
        _prepare(url)
        acked = Acknowledged()
        stop, threads = _start_writers(url, acked, 0)
        try:
            time.sleep(1.5)
            before = _acknowledged(acked)
            own_postgres.kill()
            answers = []
            for n in range(PROBES):  # the writers go on meanwhile, refused the same way
                began = time.monotonic()
                reply = _add_retry(url, f'down{n}')
                answers.append((reply.status_code, reply.json().get('code'), reply.json().get('status')))
                print(f'\ndatabase down: {reply.status_code} in {time.monotonic() - began:.2f} s', end='')
            status = requests.get(f'{url}/status', timeout=10).json()
            assert answers == [(503, 'DATABASE_UNAVAILABLE', 503)] * PROBES
            assert status['status'] == 'down' and status['database']['status'] == 'down', status
            own_postgres.resume_from_stop()  # crash recovery from the WAL first
            restarted = time.monotonic()
            deadline = restarted + 30
            while _add_retry(url, 'up').status_code != 200:
                assert time.monotonic() < deadline, 'the service did not recover by itself'
                time.sleep(0.2)
            print(f'\nrecovered {time.monotonic() - restarted:.1f} s after the restart')
            assert requests.get(f'{url}/status', timeout=10).json()['database']['status'] == 'up'
            recovered = _acknowledged(acked)
            time.sleep(1.5)  # the writers write again by themselves
        finally:
            _stop_writers(stop, threads)
        after = _acknowledged(acked)
        print(f'acknowledged before the kill {before}, after the recovery {after}')
        assert all(before.values()) and all(after[k] > recovered[k] for k in after), (before, recovered, after)
        check(url, acked)
    finally:
        service.stop()


def test_a_killed_service_restarted_on_the_same_database_lost_nothing_acknowledged(postgres_uri, tmp_path):
    rng = random.Random()
    prefix = unique_name('k') + '_'
    acked = Acknowledged()
    service = _service(postgres_uri, tmp_path / 'data', prefix)
    try:
        _prepare(service.url)
        for round in range(KILL_ROUNDS):
            stop, threads = _start_writers(service.url, acked, round)
            try:
                time.sleep(rng.uniform(0.5, 1.5))
                service.kill()  # mid-write: the writers are still sending
            finally:
                _stop_writers(stop, threads)
            # a data folder of its own: what it finds came from PostgreSQL, no file store
            service = _service(postgres_uri, tmp_path / f'data{round}', prefix)
            check(service.url, acked)
            print(f'\nround {round}: acknowledged so far {_acknowledged(acked)}', end='')
        assert all(_acknowledged(acked).values())
    finally:
        service.stop()
