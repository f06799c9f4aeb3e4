"""SIGTERM to a worker process: running handlers finish, the rest is given back, exit 0."""
import time

from .conftest import all_jobs, count_jobs, events, start_worker, stop_process, wait_until


def test_sigterm_mid_run_finishes_running_handlers(service, jobs, tmp_path):
    log = tmp_path / 'runs.log'
    n = 24
    # a 3 s lease: a job a cancelled long-poll took at the stop comes back quickly
    jobs.add_jobs(None, [{'type': 'term', 'params': {'n': i}, 'timeout': 3000} for i in range(n)])
    first = start_worker(service, log, '--type', 'term=test.worker.handlers:slow', '--concurrency', '4',
                         '--grace', '10', WORKER_TEST_SLEEP='0.6')
    try:
        wait_until(lambda: len(events(log, 'end')) >= 4 and len(events(log, 'start')) >= 6, 20,
                   what='handlers running')
        stopped_at = time.monotonic()
        code = stop_process(first, timeout=15)
        took = time.monotonic() - stopped_at
    finally:
        stop_process(first)
    assert code == 0 and took < 10, f'exit {code} after {took:.1f} s'
    starts, ends = events(log, 'start'), events(log, 'end')
    assert starts == ends, 'every handler running at the stop finished'
    assert count_jobs(jobs, 'term', 'done') == len(ends), 'and was completed'

    second = start_worker(service, log, '--type', 'term=test.worker.handlers:slow', '--concurrency', '8',
                          WORKER_TEST_SLEEP='0.05')
    try:
        wait_until(lambda: count_jobs(jobs, 'term', 'done') == n, 20, 0.1, 'the rest done by a new worker')
    finally:
        assert stop_process(second) == 0
    starts, ends = events(log, 'start'), events(log, 'end')
    assert len(ends) == n and set(ends.values()) == {1} and set(starts.values()) == {1}, 'none lost or doubled'


def test_grace_period_over_gives_the_rest_back(service, jobs, tmp_path):
    log = tmp_path / 'runs.log'
    added = jobs.add_jobs(None, [{'type': 'longterm', 'timeout': 60000} for _ in range(3)])
    worker = start_worker(service, log, '--type', 'longterm=test.worker.handlers:slow', '--concurrency', '3',
                          '--grace', '0.5', WORKER_TEST_SLEEP='30')
    try:
        wait_until(lambda: len(events(log, 'start')) == 3, 15, what='three handlers running')
        stopped_at = time.monotonic()
        code = stop_process(worker, timeout=15)
        took = time.monotonic() - stopped_at
    finally:
        stop_process(worker)
    assert code == 0 and took < 5, f'exit {code} after {took:.1f} s'
    for job in all_jobs(jobs, 'longterm'):
        assert job.status == 'queued' and job.last_error == 'aborted', 'given back at once, not left to the lease'
    assert {j.id for j in added} == set(events(log, 'start'))
