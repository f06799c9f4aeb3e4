"""The async long-polls (want_job_async, wait_job_result_async), complete_jobs and one-write batches."""
import asyncio
import os
import time

import pytest
from pip_services3_commons.config import ConfigParams

from service_background.jobs.data.version1 import JobStatusV1
from service_background.jobs.persistence import JobsFilePersistence, JobsMongoDbPersistence
from service_background.retries.logic import RetriesController
from service_background.retries.persistence import RetriesFilePersistence

from .. import helpers
from ..helpers import patch_file_syncs
from .wiring import counting_takes, wire


def run(coro, timeout=20):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


def test_want_job_async_gets_a_job_added_while_waiting(persistence):
    controller, _ = wire(persistence, lease_interval=5000)
    try:
        async def main():
            waiting = asyncio.ensure_future(controller.want_job_async(None, 'q', 10000))
            other = asyncio.ensure_future(controller.want_job_async(None, 'other', 300))
            await asyncio.sleep(0.1)
            assert not waiting.done()
            start = time.monotonic()
            added = await in_thread(controller.add_job, None, {'type': 'q'})
            job = await waiting
            assert job.id == added.id and job.status == JobStatusV1.Running
            assert time.monotonic() - start < 1.0  # woken, not a re-check (5 s here)
            assert await other is None  # another queue's add does not hand it anything
        run(main())
    finally:
        controller.close(None)


def test_want_job_async_any_queue_and_timeout(persistence):
    controller, _ = wire(persistence)
    try:
        async def main():
            assert await controller.want_job_async(None, 'q', 50) is None
            assert await controller.want_job_async(None, None, 0) is None
            waiting = asyncio.ensure_future(controller.want_job_async(None, None, 10000, 60000))
            await asyncio.sleep(0.05)
            added = await in_thread(controller.add_job, None, {'type': 'whatever'})
            assert (await waiting).id == added.id
        run(main())
    finally:
        controller.close(None)


def test_wait_job_result_async(persistence):
    controller, _ = wire(persistence, lease_interval=5000)
    try:
        async def main():
            job = await in_thread(controller.add_job, None, {'type': 'q'})
            assert (await controller.wait_job_result_async(None, job.id, 50)).status == JobStatusV1.Queued
            waiting = asyncio.ensure_future(controller.wait_job_result_async(None, job.id, 10000))
            await asyncio.sleep(0.05)
            await in_thread(controller.complete_job, None, job.id, {'ok': 1})
            done = await waiting
            assert done.status == JobStatusV1.Done and done.result == {'ok': 1}
        run(main())
    finally:
        controller.close(None)


def test_wakes_as_many_waiters_as_jobs_arrived(memory_persistence):
    controller, _ = wire(memory_persistence, lease_interval=100000)
    try:
        async def main():
            waiters = [asyncio.ensure_future(controller.want_job_async(None, 'q', 600)) for _ in range(5)]
            await asyncio.sleep(0.05)
            controller.add_jobs(None, [{'type': 'q'}, {'type': 'q'}])
            await asyncio.sleep(0.05)
            assert sum(w.done() for w in waiters) == 2  # only two woken; the rest still wait
            results = await asyncio.gather(*waiters)
            assert len({j.id for j in results if j is not None}) == 2
            assert len(controller._long_polls.job_waiters) == 0 and controller._long_polls.job_waiters.keys() == []
        run(main())
    finally:
        controller.close(None)


def test_closing_wakes_async_waiters(memory_persistence):
    controller, _ = wire(memory_persistence, lease_interval=100000)

    async def main():
        waiting = asyncio.ensure_future(controller.want_job_async(None, 'q', 30000))
        await asyncio.sleep(0.05)
        controller.close(None)
        assert await asyncio.wait_for(waiting, 2) is None
    run(main())


@pytest.fixture
def memory_persistence():
    from service_background.jobs.persistence import JobsMemoryPersistence
    p = JobsMemoryPersistence()
    p.open(None)
    yield p
    p.close(None)


# --- complete_jobs ---------------------------------------------------------------------------
def test_complete_jobs(persistence):
    controller, client = wire(persistence)
    try:
        jobs = client.add_jobs(None, [{'type': 'c'} for _ in range(4)])
        client.start_jobs_by_type(None, 'c', None, 2)
        done = client.complete_job(None, jobs[3].id)
        ids = [jobs[0].id, 'missing', jobs[1].id, jobs[2].id, jobs[3].id, jobs[0].id]
        result = client.complete_jobs(None, ids, [{'n': 0}, None, {'n': 1}, {'n': 2}, {'n': 3}, {'n': 9}])
        assert [j.id if j else None for j in result] == [jobs[0].id, None, jobs[1].id, jobs[2].id, None, None]
        assert [j.result for j in result if j] == [{'n': 0}, {'n': 1}, {'n': 2}]
        assert all(j.status == JobStatusV1.Done and j.completed is not None for j in result if j)
        assert client.get_job_by_id(None, jobs[1].id).result == {'n': 1}
        assert client.get_job_by_id(None, jobs[3].id).completed == done.completed  # untouched
        assert client.complete_jobs(None, [jobs[0].id]) == [None]  # already done
    finally:
        controller.close(None)


def test_complete_jobs_without_results_and_bad_arguments(persistence):
    from pip_services3_commons.errors import BadRequestException
    controller, client = wire(persistence)
    try:
        jobs = client.add_jobs(None, [{'type': 'c'}, {'type': 'c'}])
        result = client.complete_jobs(None, [j.id for j in jobs])
        assert [j.status for j in result] == [JobStatusV1.Done] * 2
        for ids, results in (([], None), ('x', None), ([jobs[0].id], [1, 2])):
            with pytest.raises(BadRequestException):
                client.complete_jobs(None, ids, results)
    finally:
        controller.close(None)


def test_complete_jobs_command_schema(memory_persistence):
    controller, _ = wire(memory_persistence)
    try:
        command = controller.get_command_set().find_command('complete_jobs')
        job = controller.add_job(None, {'type': 'c'})
        from pip_services3_commons.run import Parameters
        result = command.execute(None, Parameters.from_tuples('job_ids', [job.id, 'nope'], 'results', [5, None]))
        assert result[0].result == 5 and result[1] is None
    finally:
        controller.close(None)


# --- one fsync per batch call -----------------------------------------------------------------
@pytest.fixture
def fsyncs(monkeypatch):
    calls = []
    real = os.fsync

    def counting(fd):
        calls.append(fd)
        return real(fd)
    patch_file_syncs(monkeypatch, counting)
    return calls


def test_file_batches_fsync_once_per_call(tmp_path, fsyncs):
    store = helpers.open_file_persistence(JobsFilePersistence, tmp_path / 'jobs.json')
    controller, client = wire(store)
    try:
        writes = []
        journal = store._journal
        real_write = journal._write
        journal._write = lambda data, lines: (writes.append(lines), real_write(data, lines))
        fsyncs.clear()
        jobs = client.add_jobs(None, [{'type': 'b', 'params': {'n': i}} for i in range(50)])
        assert len(fsyncs) == 1 and writes == [50]
        fsyncs.clear(), writes.clear()
        taken = client.start_jobs_by_type(None, 'b', None, 20)
        assert len(taken) == 20 and len(fsyncs) == 1 and writes == [20]
        fsyncs.clear(), writes.clear()
        client.complete_jobs(None, [j.id for j in taken], [{'r': i} for i in range(20)])
        assert len(fsyncs) == 1 and writes == [20]
        fsyncs.clear(), writes.clear()
        client.add_job(None, {'type': 'b'})
        assert len(fsyncs) == 1 and writes == [1]
    finally:
        controller.close(None)
        store.close(None)
    # and it is all on disk
    again = helpers.open_file_persistence(JobsFilePersistence, tmp_path / 'jobs.json')
    try:
        assert again.get_one_by_id(None, taken[3].id).result == {'r': 3}
        assert len(again.get_list_by_filter(None)) == 51 and jobs[0].id in again._items
    finally:
        again.close(None)


def test_add_retries_fsyncs_once_per_call(tmp_path, fsyncs):
    from pip_services3_commons.refer import Descriptor
    store = helpers.open_file_persistence(RetriesFilePersistence, tmp_path / 'retries.json')
    controller = RetriesController()
    controller.configure(ConfigParams.from_tuples('options.interval', 0))
    helpers.wire(Descriptor('service-background-retries', 'persistence', 'file', 'default', '1.0'), store,
                 Descriptor('service-background-retries', 'controller', 'default', 'default', '1.0'), controller)
    try:
        fsyncs.clear()
        retries = controller.add_retries(None, 'g', [f'id{i}' for i in range(30)] + ['id0'])
        assert len(fsyncs) == 1
        assert [r.attempt_count for r in retries][:2] == [1, 1] and retries[-1].attempt_count == 2
    finally:
        controller.close(None)
        store.close(None)


# --- across processes on MongoDB ------------------------------------------------------------
def _mongo(uri, db):
    p = JobsMongoDbPersistence()
    p.configure(ConfigParams.from_tuples('connection.uri', uri, 'connection.database', db))
    p.open(None)
    return p


def test_mongodb_waiter_wakes_on_a_job_added_by_another_process(mongo_uri):
    db = helpers.unique_name('db')
    store_a, store_b = _mongo(mongo_uri, db), _mongo(mongo_uri, db)
    # a long lease_interval: only the shared signal can wake the waiter in time
    controller_a, _ = wire(store_a, lease_interval=10000)
    controller_b, _ = wire(store_b, lease_interval=10000)
    try:
        async def main():
            delays = []
            for _ in range(5):
                waiting = asyncio.ensure_future(controller_a.want_job_async(None, 'x', 8000))
                any_waiting = asyncio.ensure_future(controller_a.want_job_async(None, None, 8000))
                await asyncio.sleep(0.1)
                start = time.monotonic()
                added = await in_thread(controller_b.add_jobs, None, [{'type': 'x'}, {'type': 'x'}])
                got = {(await waiting).id, (await any_waiting).id}
                delays.append(time.monotonic() - start)
                assert got == {j.id for j in added}
            print('cross-process wake delays (s):', [round(d, 3) for d in delays])
            assert max(delays) < 0.5, delays  # the 1 s re-check is gone: ≤ 50 ms poll + a query or two
        run(main(), 60)
    finally:
        controller_a.close(None)
        controller_b.close(None)
        store_a.close(None)
        store_b.close(None)


def test_mongodb_own_adds_wake_once(mongo_uri):
    store = _mongo(mongo_uri, helpers.unique_name('db'))
    controller, _ = wire(store, lease_interval=10000)
    try:
        async def main():
            waiters = [asyncio.ensure_future(controller.want_job_async(None, 'y', 700)) for _ in range(4)]
            await asyncio.sleep(0.1)
            await in_thread(controller.add_job, None, {'type': 'y'})
            await asyncio.sleep(0.3)  # several polls: the signal of our own add is not a second wake
            assert sum(w.done() for w in waiters) == 1
            assert sum(j is not None for j in await asyncio.gather(*waiters)) == 1
        run(main())
    finally:
        controller.close(None)
        store.close(None)


def test_an_idle_waiter_queries_nothing_and_a_delayed_job_wakes_it_when_due(persistence):
    controller, _ = wire(persistence, lease_interval=100)
    try:
        async def main():
            waiting = asyncio.ensure_future(controller.want_job_async(None, 'later', 10000))
            await asyncio.sleep(0.1)
            before = len(takes)
            await asyncio.sleep(1.0)  # ten lease ticks: the waiter is not re-trying on a timer
            assert len(takes) == before
            added = await in_thread(controller.add_job, None, {'type': 'later', 'delay': 400})
            start = time.monotonic()
            job = await waiting
            assert job.id == added.id
            assert time.monotonic() - start < 3.0  # woken by the lease tick once due, not by the 10 s deadline
        with counting_takes(persistence) as takes:
            run(main())
    finally:
        controller.close(None)
