"""The asyncio clients against the real container: same methods and exceptions as the sync ones."""
import asyncio

import pytest
from pip_services3_commons.errors import ConflictException, ConnectionException, NotFoundException

from service_background.cron.clients.version1.cron_async_client_v1 import CronAsyncClientV1
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1
from service_background.jobs.data.version1 import JobV1
from service_background.retries.clients.version1.retries_async_client_v1 import RetriesAsyncClientV1
from service_background.tasks.clients.version1.tasks_async_client_v1 import TasksAsyncClientV1

from ..helpers import free_port, unique_name


def run(coro):
    return asyncio.run(coro)


def test_jobs_async_client(service):
    async def scenario():
        async with JobsAsyncClientV1(service) as client:
            job = await client.add_job(None, {'type': 'async_t', 'params': {'a': 1}})
            assert isinstance(job, JobV1) and job.status == 'queued'
            taken = await client.want_job(None, 'async_t', 500, 5000)
            assert taken.id == job.id and taken.status == 'running'
            assert await client.want_job(None, 'async_t', 100) is None
            await client.extend_job(None, job.id, 5000)
            done = await client.complete_job(None, job.id, {'ok': True})
            assert done.status == 'done' and done.result == {'ok': True}
            with pytest.raises(ConflictException):
                await client.complete_job(None, job.id, None)
            with pytest.raises(NotFoundException):
                await client.get_job_by_id(None, 'nope')
            more = await client.add_jobs(None, [{'type': 'async_t'}, {'type': 'async_t'}])
            taken = await client.start_jobs_by_type(None, 'async_t', 5000, 10)
            assert sorted(j.id for j in taken) == sorted(j.id for j in more)
            page = await client.get_jobs(None, {'type': 'async_t'}, {'total': True})
            assert page.total == 3
            assert client.requests == 10
    run(scenario())


def test_other_domains_async_clients(service):
    async def scenario():
        async with RetriesAsyncClientV1(service) as retries:
            group = unique_name('g')
            assert (await retries.add_retry(None, group, 'm1', 60000)).attempt_count == 1
            assert (await retries.add_retry(None, group, 'm1', 60000)).attempt_count == 2
            assert group in await retries.get_group_names(None)
        async with TasksAsyncClientV1(service) as tasks:
            namespace = unique_name('ns')
            await tasks.create_namespace(None, {'id': namespace})
            await tasks.create_task(None, {'id': namespace + '-t', 'namespace_id': namespace})
            captured = await tasks.capture(None, namespace, 10)
            assert [t.id for t in captured] == [namespace + '-t'] and captured[0].status == 'in_progress'
            released = await tasks.release(None, [namespace + '-t', 'gone'], 'done')
            assert released.list[0].status == 'done' and released.not_found == ['gone']
            assert await tasks.capture_tasks(None, namespace, 5) == []
        async with CronAsyncClientV1(service) as cron:
            group = unique_name('G')[:22]
            assert (await cron.register_group(None, group)).group_name == group
            assert 'version' in str(await cron.get_version(None)).lower()
    run(scenario())


def test_connection_errors():
    async def scenario():
        async with JobsAsyncClientV1(f'http://127.0.0.1:{free_port()}', token='secret', timeout=2) as client:
            with pytest.raises(ConnectionException):
                await client.get_job_by_id(None, 'x')
    run(scenario())


def test_lease_token_is_kept_and_passed_back():
    sent = []

    async def scenario():
        client = JobsAsyncClientV1('http://127.0.0.1:1')

        async def call_command(name, correlation_id, params=None):
            sent.append((name, dict(params)))
            return {'id': 'j1', 'type': 't', 'status': 'running', 'lease_token': 'L1'}
        client.call_command = call_command
        job = await client.start_job_by_type(None, 't')
        assert isinstance(job, JobV1) and job.lease_token == 'L1'
        await client.extend_job(None, job.id, 1000, lease_token=job.lease_token)
        await client.complete_job(None, job.id, 1, lease_token=job.lease_token)
        await client.fail_job(None, job.id, 'e')
    run(scenario())
    assert sent[1] == ('extend_job', {'job_id': 'j1', 'timeout': 1000, 'lease_token': 'L1'})
    assert sent[2][1]['lease_token'] == 'L1' and 'lease_token' not in sent[3][1]
