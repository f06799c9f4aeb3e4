"""The jobs store on a real PostgreSQL, where two stores on one database stand for two processes: takes
never hand a job out twice, a change on a lost lease lands nowhere, adds wake the other store's listener."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from pip_services3_commons.config import ConfigParams

from service_background.common.data import clock
from service_background.jobs.data.version1 import JobStatusV1, JobV1, job_transitions
from service_background.jobs.persistence.jobs_postgres_persistence import JobsPostgresPersistence
from service_background.jobs.persistence.jobs_postgres_rows import migrations

from ..helpers import unique_name


def _open_pair(postgres_uri):
    prefix = unique_name('jp') + '_'
    stores = []
    for _ in range(2):
        store = JobsPostgresPersistence()
        store.configure(ConfigParams.from_tuples('connection.uri', postgres_uri, 'table_prefix', prefix))
        store.open(None)
        stores.append(store)
    return stores


def _job(i, **fields):
    now = clock.now()
    return JobV1(**{'id': f'j{i:05d}', 'type': 't', 'created': now, 'not_before': now, **fields})


def test_two_stores_racing_takes_never_share_a_job(postgres_uri):
    stores = _open_pair(postgres_uri)
    try:
        stores[0].create_many(None, [_job(i) for i in range(600)])
        taken = []
        lock = threading.Lock()

        def drain(store):
            for _ in range(200):  # bounded: 600 jobs in batches of 7 need fewer rounds
                jobs = store.take_many(None, 't', clock.now(), 60000, 60000, 7)
                if not jobs:
                    return
                with lock:
                    taken.extend((job.id, job.lease_token) for job in jobs)
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(drain, stores * 3))
        ids = [id for id, _ in taken]
        assert len(ids) == 600 and len(set(ids)) == 600
        assert len({token for _, token in taken}) == 600  # a fresh fence per take
        assert all(job.status == JobStatusV1.Running and job.retries == 1
                   for job in stores[1].unfinished_jobs())
    finally:
        for store in stores:
            store.close(None)


def test_a_change_decided_on_a_lost_lease_lands_nowhere(postgres_uri):
    stores = _open_pair(postgres_uri)
    try:
        stores[0].create(None, _job(1))
        first = stores[0].take(None, 't', clock.now(), 60000, 60000)

        def finish_if_mine(token):
            def change(job):
                if job is None or job.lease_token != token:
                    return None
                return job_transitions.finish(job, clock.now(), JobStatusV1.Done, 'r', None, None)
            return change
        # the lease is swept and the job taken again by the other process
        stores[1].modify(None, first.id, lambda job: job_transitions.release(job, clock.now(), 'lost', None))
        second = stores[1].take(None, 't', clock.now(), 60000, 60000)
        assert second.id == first.id and second.lease_token != first.lease_token
        assert stores[0].modify(None, first.id, finish_if_mine(first.lease_token)) is None
        assert stores[0].get_one_by_id(None, first.id).status == JobStatusV1.Running
        done = stores[0].modify(None, first.id, finish_if_mine(second.lease_token))
        assert done.status == JobStatusV1.Done and stores[1].get_one_by_id(None, first.id).result == 'r'
    finally:
        for store in stores:
            store.close(None)


def test_an_add_wakes_the_other_stores_listener_and_not_its_own(postgres_uri):
    stores = _open_pair(postgres_uri)
    heard = {0: [], 1: []}
    try:
        for i, store in enumerate(stores):
            store.listen_queue_signals(lambda type, n, i=i: heard[i].append((type, n)))
            assert store.wait_listening(5)
        stores[0].create_many(None, [_job(i) for i in range(3)])
        stores[0].create(None, _job(9, not_before=clock.add_ms(clock.now(), 60000)))  # delayed: no notice
        deadline = time.monotonic() + 5
        while not heard[1] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert heard[1] == [('t', 3)]
        time.sleep(0.2)
        assert heard[0] == [] and heard[1] == [('t', 3)]
    finally:
        for store in stores:
            store.close(None)


def test_opening_many_stores_at_once_migrates_once(postgres_uri):
    prefix = unique_name('jm') + '_'

    def open_one(_):
        store = JobsPostgresPersistence()
        store.configure(ConfigParams.from_tuples('connection.uri', postgres_uri, 'table_prefix', prefix))
        store.open(None)
        return store
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(open_one, range(4)))
    try:
        # one store applied every version, the others none
        assert sorted(len(store.applied_migrations) for store in stores) == [0, 0, 0, len(migrations('t'))]
    finally:
        for store in stores:
            store.close(None)
