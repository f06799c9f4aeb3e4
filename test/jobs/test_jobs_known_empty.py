"""A queue a take just found empty is known empty (empty_queues.py): want_job calls meanwhile wait
without a take, and every path that makes a job takeable ends that at once. The hint's time limit is
raised to 120 s here (beyond every wait below), so a path that forgot to mark its queue would leave a
job unhanded and fail."""
import asyncio
import random
import threading
import time

import pytest

from service_background.jobs.logic import empty_queues

from .wiring import counting_takes, wire


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


@pytest.fixture
def counted(persistence, monkeypatch):
    """(controller, takes): the store's takes counted, hints that only a mark ends."""
    monkeypatch.setattr(empty_queues, 'EMPTY_HINT_S', 120.0)
    controller, _ = wire(persistence, lease_interval=100)
    with counting_takes(persistence) as takes:
        yield controller, takes
    controller.close(None)


def test_want_jobs_on_a_queue_known_empty_take_nothing_until_a_job_comes(counted):
    controller, takes = counted

    async def main():
        assert await controller.want_job_async(None, 'idle', 0) is None
        assert len(takes) == 1
        for _ in range(50):  # re-sent long-polls: no take each
            assert await controller.want_job_async(None, 'idle', 0) is None
        assert len(takes) == 1
        added = await in_thread(controller.add_job, None, {'type': 'idle'})  # no waiter: marked all the same
        job = await controller.want_job_async(None, 'idle', 0)
        assert job is not None and job.id == added.id
        assert await controller.want_job_async(None, 'other', 0) is None  # a hint is per queue
        assert len(takes) == 3
    run(main())


def test_a_waiter_on_a_queue_known_empty_still_wakes_on_add_release_and_due(counted):
    controller, takes = counted

    async def main():
        assert await controller.want_job_async(None, 'q', 0) is None
        waiting = asyncio.ensure_future(controller.want_job_async(None, 'q', 10000))
        await asyncio.sleep(0.05)
        added = await in_thread(controller.add_job, None, {'type': 'q'})
        assert (await waiting).id == added.id
        # aborted: given back to the queue at once
        assert await controller.want_job_async(None, 'q', 0) is None
        waiting = asyncio.ensure_future(controller.want_job_async(None, 'q', 10000))
        await asyncio.sleep(0.05)
        await in_thread(controller.abort_job, None, added.id)
        assert (await waiting).id == added.id
        # a delayed job: the lease tick (100 ms) wakes the waiter once it is due
        assert await controller.want_job_async(None, 'later', 0) is None
        delayed = await in_thread(controller.add_job, None, {'type': 'later', 'delay': 300})
        assert await controller.want_job_async(None, 'later', 0) is None  # not due yet
        start = time.monotonic()
        job = await controller.want_job_async(None, 'later', 10000)
        assert job is not None and job.id == delayed.id and time.monotonic() - start < 5
    run(main())


def test_every_job_is_handed_out_once_while_waiters_and_adders_race(counted):
    controller, takes = counted
    total, adders = 300, 3
    errors = []

    def add(count):
        try:
            for _ in range(count):
                controller.add_job(None, {'type': 'race'})
                time.sleep(random.random() * 0.004)
        except Exception as ex:  # reported below
            errors.append(ex)

    async def main():
        got = []

        async def waiter():
            while len(got) < total:
                job = await controller.want_job_async(None, 'race', random.choice((0, 20, 200)))
                if job is not None:
                    got.append(job.id)
        tasks = [asyncio.ensure_future(waiter()) for _ in range(20)]
        threads = [threading.Thread(target=add, args=(total // adders,)) for _ in range(adders)]
        for thread in threads:
            thread.start()
        await asyncio.wait_for(asyncio.gather(*tasks), 40)
        for thread in threads:
            thread.join()
        assert not errors
        assert len(got) == total and len(set(got)) == total
    run(main(), timeout=60)
