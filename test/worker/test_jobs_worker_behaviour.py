"""JobsWorker in process (open/close as a container would) against the real container."""
import asyncio
import contextlib
import threading
import time
from collections import Counter

from service_background.worker import JobsWorker

from .conftest import wait_until


@contextlib.contextmanager
def running(worker: JobsWorker):
    worker.open(None)
    try:
        yield worker
    finally:
        worker.close(None)


def test_error_fails_with_traceback_after_max_retries(service, jobs):
    calls = Counter()

    def explode(job):
        calls[job.id] += 1
        raise ValueError(f'boom {job.params}')

    worker = JobsWorker(service, concurrency=4, block_for=1)
    worker.handle('explode', explode)
    added = jobs.add_jobs(None, [{'type': 'explode', 'params': n, 'max_retries': 3} for n in range(2)])
    with running(worker):
        done = wait_until(lambda: all(jobs.get_job_by_id(None, j.id).status == 'failed' for j in added), 15,
                          what='both jobs failed')
    assert done
    for job in added:
        job = jobs.get_job_by_id(None, job.id)
        assert job.retries == 3 and calls[job.id] == 3, 'tried max_retries times'
        assert job.last_error.startswith(f'ValueError: boom {job.params}\nTraceback (most recent call last):')
        assert 'in explode' in job.last_error and 'raise ValueError' in job.last_error
        assert 'base_worker.py' not in job.last_error, "the worker's own frame is left out"
    assert worker.stats['requeued'] == 4 and worker.stats['failed'] == 2


def test_no_requeue_fails_at_once_and_bad_result_is_an_error(service, jobs):
    worker = JobsWorker(service, concurrency=2, block_for=1, requeue_errors=False)
    worker.handle('badresult', lambda job: object.__new__(type('Opaque', (), {'__slots__': ()})))
    # fail_job with attempts left re-queues after the job's backoff (a long one here)
    job = jobs.add_job(None, {'type': 'badresult', 'max_retries': 5,
                              'backoff': {'type': 'fixed', 'base_ms': 60000, 'jitter': 0}})
    with running(worker):
        wait_until(lambda: jobs.get_job_by_id(None, job.id).retries == 1 and
                   jobs.get_job_by_id(None, job.id).status == 'queued', 10, what='re-queued')
    job = jobs.get_job_by_id(None, job.id)
    assert job.retries == 1 and job.last_error.startswith('TypeError: the result is not JSON')
    assert (job.not_before - job.started).total_seconds() > 50
    last = jobs.add_job(None, {'type': 'badresult', 'max_retries': 1})  # its last attempt: failed at once
    with running(worker):
        wait_until(lambda: jobs.get_job_by_id(None, last.id).status == 'failed', 10, what='failed')


def test_time_limit_fails_the_job(service, jobs):
    release = threading.Event()

    async def forever(job):
        await asyncio.sleep(60)

    def stuck(job):
        release.wait(30)

    worker = JobsWorker(service, concurrency=2, block_for=1, time_limit=0.3)
    worker.handle('forever', forever)
    worker.handle('stuck', stuck, time_limit=0.4)
    a = jobs.add_job(None, {'type': 'forever', 'max_retries': 1})
    b = jobs.add_job(None, {'type': 'stuck', 'max_retries': 1})
    started = time.monotonic()
    try:
        with running(worker):
            wait_until(lambda: all(jobs.get_job_by_id(None, j.id).status == 'failed' for j in (a, b)), 10,
                       what='both failed by the time limit')
            elapsed = time.monotonic() - started
            release.set()
    finally:
        release.set()
    assert elapsed < 5
    assert jobs.get_job_by_id(None, a.id).last_error == 'TimeoutError: handler exceeded its time limit of 0.3 s'
    assert jobs.get_job_by_id(None, b.id).last_error == 'TimeoutError: handler exceeded its time limit of 0.4 s'
    assert worker.stats['timed_out'] == 2


def test_long_handler_keeps_its_lease(service, jobs):
    """A 1 s lease (swept every 200 ms) and a handler of 2.5 s: extended, completed once."""
    calls = Counter()

    def long(job):
        calls[job.id] += 1
        time.sleep(2.5)
        return 'finished'

    worker = JobsWorker(service, concurrency=2, block_for=1)
    worker.handle('long', long)
    job = jobs.add_job(None, {'type': 'long', 'timeout': 1000, 'max_retries': 5})
    with running(worker):
        wait_until(lambda: jobs.get_job_by_id(None, job.id).status == 'done', 10, what='done')
    job = jobs.get_job_by_id(None, job.id)
    assert job.result == 'finished' and job.retries == 1 and calls[job.id] == 1
    assert worker.stats['extended'] >= 3 and 'lease_lost' not in worker.stats


def test_lost_lease_stops_extending_and_reports_nothing(service, jobs):
    release = threading.Event()
    worker = JobsWorker(service, concurrency=1, block_for=1)
    worker.handle('lost', lambda job: release.wait(20) and 'late')
    job = jobs.add_job(None, {'type': 'lost', 'timeout': 600})
    try:
        with running(worker):
            wait_until(lambda: jobs.get_job_by_id(None, job.id).status == 'running', 10, what='running')
            jobs.delete_job_by_id(None, job.id)  # the lease is gone: the next extension answers 404
            wait_until(lambda: _lease_lost(worker), 5, what='lease lost seen')
            release.set()
            wait_until(lambda: worker.stats.get('lease_lost') == 1, 5, what='outcome dropped')
    finally:
        release.set()
    assert 'completed' not in worker.stats and 'failed' not in worker.stats


def _lease_lost(worker: JobsWorker) -> bool:
    return any(item.lease_lost for item in list(worker._running.values()))


def test_idle_worker_sends_no_request_loop(service, jobs):
    worker = JobsWorker(service, concurrency=8, block_for=1)
    worker.handle('nothing_here', lambda job: None)
    with running(worker):
        wait_until(lambda: worker.client is not None and worker.client.requests >= 1, 5, what='first poll')
        before, beats = worker.client.requests, worker.stats.get('heartbeats', 0)
        time.sleep(2.2)  # the quantity under test is requests per unit of idle time
        idle_requests = worker.client.requests - before
        beats = worker.stats.get('heartbeats', 0) - beats
    assert beats <= 3, f'{beats} heartbeats in 2.2 s, one a second'
    assert idle_requests - beats <= 4, f'{idle_requests - beats} requests in 2.2 s with 1 s long-polls'
