"""The handler's context: current() only inside a handler, bounded log lines with the dropped ones told, the
log capture only while a worker runs, and a job cancelled while only prefetched (in process, real service)."""
import logging
import threading
from collections import Counter

import pytest

from service_background.worker import JobsWorker, current
from service_background.worker.job_context import MAX_LINES, JobContext
from service_background.worker.job_telemetry import JobTelemetry
from service_background.worker.log_capture import JobLogCapture, install, uninstall

from .conftest import wait_until
from .test_jobs_worker_behaviour import running


class _Job:
    id, type = 'j1', 'kind'


def test_current_outside_a_handler_raises_lookup_error():
    with pytest.raises(LookupError):
        current()


def test_context_is_current_while_the_handler_runs_only():
    context = JobContext(_Job(), 'token', {'traceparent': 'tp'}, lambda c: None)
    seen = context.run_sync(lambda job: (current(), current().job, current().traceparent))
    assert seen == (context, context.job, 'tp')
    with pytest.raises(LookupError):
        current()


def test_lines_past_the_bound_drop_the_oldest_and_say_so():
    reports, changed = [], []
    telemetry = JobTelemetry(reports.append)
    context = JobContext(_Job(), 'token', None, changed.append)
    for n in range(1500):
        context.add_line(1_700_000_000.0 + n, 'info', f'line {n}')
    context.progress(10)
    context.progress(20, 'x' * 2000)
    assert changed == [context], 'the worker is told once until it ships'
    with pytest.raises(ValueError):
        context.progress(101)
    telemetry.finish(context)
    log, progress = reports
    assert log['outcome'] == 'log' and log['lease_token'] == 'token' and len(log['lines']) == MAX_LINES + 1
    assert log['lines'][0]['message'] == f'{1500 - MAX_LINES} log lines dropped: more than {MAX_LINES} were waiting'
    assert log['lines'][1]['message'] == f'line {1500 - MAX_LINES}' and log['lines'][-1]['message'] == 'line 1499'
    assert log['lines'][-1]['time'] == '2023-11-14T22:38:19.000Z'
    assert progress == {'job_id': 'j1', 'outcome': 'progress', 'progress': 20.0, 'message': 'x' * 1000,
                        'lease_token': 'token'}
    context.progress(30)  # after its outcome: not sent
    telemetry.ship()
    assert len(reports) == 2


def test_capture_keeps_records_from_inside_a_handler_only(caplog):
    context = JobContext(_Job(), None, None, lambda c: None)
    install()
    try:
        logging.getLogger('test.capture').warning('outside')
        context.run_sync(lambda job: logging.getLogger('test.capture').error('inside %s', job.id))
    finally:
        uninstall()
    lines, dropped = context.take_lines()
    assert [(line[1], line[2]) for line in lines] == [('error', 'inside j1')] and dropped == 0
    assert [r.getMessage() for r in caplog.records] == ['outside', 'inside j1'], 'every record passes on'


def test_job_cancelled_while_prefetched_is_never_run(service, jobs):
    """One slot, one job prefetched behind a running one: cancelling it ends it without running it."""
    ran, release = Counter(), threading.Event()

    def hold(job):
        ran[job.id] += 1
        logging.getLogger('test.hold').warning('holding %s', job.id)
        release.wait(20)
        return 'held'

    worker = JobsWorker(service, concurrency=1, block_for=1, prefetch=1, heartbeat=0.2)
    worker.handle('hold', hold)
    first = jobs.add_job(None, {'type': 'hold', 'timeout': 60000})
    try:
        with running(worker):
            wait_until(lambda: ran[first.id] == 1, 10, what='the first job running')
            assert any(isinstance(h, JobLogCapture) for h in logging.getLogger().handlers)
            second = jobs.add_job(None, {'type': 'hold', 'timeout': 60000})
            wait_until(lambda: jobs.get_job_by_id(None, second.id).status == 'running', 10,
                       what='the second job taken ahead')
            jobs.cancel_job(None, second.id)
            wait_until(lambda: jobs.get_job_by_id(None, second.id).status == 'cancelled', 5,
                       what='the prefetched job cancelled')
            release.set()
            wait_until(lambda: jobs.get_job_by_id(None, first.id).status == 'done', 5, what='the first done')
    finally:
        release.set()
    assert ran == {first.id: 1}, 'the cancelled job never ran'
    assert worker.stats['cancelled'] == 1 and worker.stats['completed'] == 1
    assert not any(isinstance(h, JobLogCapture) for h in logging.getLogger().handlers), 'removed at stop'
    assert jobs.get_job_log(None, first.id)['lines'][0]['message'] == f'holding {first.id}'
    assert jobs.get_job_by_id(None, first.id).attempts[-1]['worker_id'] == worker.worker_id
