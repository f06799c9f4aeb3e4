"""Producers: enqueue() in one line, and add_job answering a JobV1 decoded only when read."""
import asyncio

import pytest
from pip_services3_commons.errors import BadRequestException

from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1
from service_background.jobs.data.version1 import JobV1
from service_background.worker import enqueue


def test_enqueue_in_one_line(service, jobs):
    job_id = enqueue('produced', {'to': 'a@b.c'}, url=service, priority=3, max_retries=2)
    job = jobs.get_job_by_id(None, job_id)
    assert (job.type, job.params, job.priority, job.max_retries, job.status) == \
        ('produced', {'to': 'a@b.c'}, 3, 2, 'queued')
    assert enqueue('produced', url=service) != job_id
    with pytest.raises(TypeError):
        enqueue('produced', url=service, colour='red')
    with pytest.raises(BadRequestException):
        enqueue('produced', url=service, priority='high')


def test_add_job_replies_decode_when_read(service, jobs):
    job = jobs.add_job(None, {'type': 'produced_lazy', 'params': {'n': 1}, 'timeout': 5000})
    assert isinstance(job, JobV1)
    stored = jobs.get_job_by_id(None, job.id)
    assert job.to_json() == stored.to_json() and job == stored and job.timeout == 5000

    async def scenario():
        async with JobsAsyncClientV1(service) as client:
            added = await client.add_job(None, {'type': 'produced_lazy', 'params': {'n': 2}})
            job_id = await client.enqueue('produced_lazy', {'n': 3}, delay=60000)
            return added, job_id
    added, job_id = asyncio.run(scenario())
    assert isinstance(added, JobV1) and added.params == {'n': 2} and added.status == 'queued'
    later = jobs.get_job_by_id(None, job_id)
    assert later.params == {'n': 3} and later.not_before > later.created
