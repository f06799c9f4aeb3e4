"""Opt-in batching of single adds (``JobsAsyncClientV1.enqueue_soon``) against the real container: jobs added
one by one within the linger reach the service in shared add_jobs calls, every future gets its job's id, a
refused batch fails each of its futures and flush(), and close flushes what is held."""
import asyncio

import pytest
import requests
from pip_services3_commons.errors import BadRequestException

from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1


def _job(url, job_id):
    return requests.post(f'{url}/v1/jobs/get_job_by_id', json={'job_id': job_id}, timeout=10).json()


def test_single_adds_share_calls_and_every_future_gets_its_id(memory_service):
    async def main():
        async with JobsAsyncClientV1(memory_service, linger_ms=20) as client:
            before = client.requests
            futures = [client.enqueue_soon('lingered', {'n': i}, priority=i % 3) for i in range(250)]
            await client.flush()
            return [f.result() for f in futures], client.requests - before
    ids, calls = asyncio.run(main())
    assert len(set(ids)) == 250 and calls < 250 / 10  # shared calls, not one per job
    for i in (0, 1, 249):
        job = _job(memory_service, ids[i])
        assert job['type'] == 'lingered' and job['params'] == {'n': i} and job['priority'] == i % 3


def test_a_full_batch_goes_at_once_without_waiting_for_the_linger(memory_service):
    async def main():
        async with JobsAsyncClientV1(memory_service, linger_ms=60_000) as client:
            futures = [client.enqueue_soon('full-batch') for _ in range(1000)]
            return await asyncio.wait_for(asyncio.gather(*futures), 20)
    assert len(set(asyncio.run(main()))) == 1000


def test_a_refused_batch_fails_its_futures_and_flush(memory_service):
    async def main():
        async with JobsAsyncClientV1(memory_service, linger_ms=5) as client:
            good = client.enqueue_soon('refused-batch', {'ok': True})
            bad = client.enqueue_soon('', {'ok': False})  # an empty type: add_jobs refuses the whole body
            with pytest.raises(BadRequestException):
                await client.flush()
            assert isinstance(good.exception(), BadRequestException)
            assert isinstance(bad.exception(), BadRequestException)
            page = requests.post(f'{memory_service}/v1/jobs/get_jobs', json={'filter': {'type': 'refused-batch'}},
                                 timeout=10).json()
            assert page['data'] == []  # nothing of the refused batch was added
            await client.flush()  # a failure is raised once
    asyncio.run(main())


def test_closing_the_client_sends_what_it_holds(memory_service):
    async def main():
        client = JobsAsyncClientV1(memory_service, linger_ms=60_000)
        await client.open_async(None)
        future = client.enqueue_soon('held-at-close', {'x': 1})
        await client.close_async(None)
        return future.result()
    assert _job(memory_service, asyncio.run(main()))['type'] == 'held-at-close'
