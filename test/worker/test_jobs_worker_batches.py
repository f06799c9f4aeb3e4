"""The batch-first JobsWorker: outcomes coalesced into report_jobs calls. What is not yet acknowledged is
lost only with the process (its jobs come back after their lease), a stop sends it all first, and a lost
lease in a batch is refused for that job alone. A relay between worker and service stalls the reports."""
import contextlib
import os
import signal
import threading
import time

from pip_services3_commons.data import FilterParams, PagingParams

from service_background.worker import JobsWorker

from .conftest import all_jobs, count_jobs, events, start_worker, stop_process, wait_until
from .relay import Relay


def _port(url: str) -> int:
    return int(url.rsplit(':', 1)[1])


@contextlib.contextmanager
def relay_to(service: str):
    relay = Relay(_port(service))
    try:
        yield relay
    finally:
        relay.paused = False
        relay.close()


def test_killed_with_outcomes_unsent_every_job_runs_again_none_lost(service, jobs, tmp_path):
    log, n = tmp_path / 'runs.log', 6
    added = jobs.add_jobs(None, [{'type': 'killed', 'params': {'n': i}, 'timeout': 2000} for i in range(n)])
    with relay_to(service) as relay:
        worker = start_worker(f'http://127.0.0.1:{relay.port}', log, '--type', 'killed=test.worker.handlers:slow',
                              '--concurrency', str(n), WORKER_TEST_SLEEP='3')
        try:
            # handlers run long enough that every one has started before any ends, on a slow machine too
            wait_until(lambda: len(events(log, 'start')) == n, 15, what='every handler running')
            relay.paused = True  # the outcomes now go nowhere
            assert not events(log, 'end'), 'a handler ended before the relay paused'
            wait_until(lambda: len(events(log, 'end')) == n, 15, what='every handler done')
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
        finally:
            stop_process(worker)
    assert count_jobs(jobs, 'killed', 'done') == 0, 'no outcome reached the service'
    second = start_worker(service, log, '--type', 'killed=test.worker.handlers:slow', '--concurrency', str(n),
                          WORKER_TEST_SLEEP='0.05')
    try:
        wait_until(lambda: count_jobs(jobs, 'killed', 'done') == n, 20, 0.1, 'every job done after its lease')
    finally:
        assert stop_process(second) == 0
    ends = events(log, 'end')
    assert set(ends) == {j.id for j in added} and set(ends.values()) == {2}, 'each ran again, none lost'


def test_sigterm_sends_every_buffered_outcome_before_exit(service, jobs, tmp_path):
    log, n = tmp_path / 'runs.log', 8
    jobs.add_jobs(None, [{'type': 'flushed', 'params': {'n': i}, 'timeout': 60000} for i in range(n)])
    with relay_to(service) as relay:
        worker = start_worker(f'http://127.0.0.1:{relay.port}', log, '--type', 'flushed=test.worker.handlers:slow',
                              '--concurrency', str(n), WORKER_TEST_SLEEP='0.5')
        try:
            wait_until(lambda: len(events(log, 'start')) == n, 15, what='every handler running')
            relay.paused = True
            wait_until(lambda: len(events(log, 'end')) == n, 10, what='every handler done')
            worker.send_signal(signal.SIGTERM)
            assert worker.poll() is None
            relay.paused = False  # the service answers again: the worker sends what it holds, then exits
            code = worker.wait(20)
        finally:
            stop_process(worker)
    assert code == 0
    done = [j for j in all_jobs(jobs, 'flushed') if j.status == 'done']
    assert len(done) == n and all(j.result == {'slept': True} for j in done), 'every outcome applied'
    assert set(events(log, 'end').values()) == {1}


def test_one_lost_lease_in_a_batch_is_refused_alone(service, jobs):
    n = 4
    added = jobs.add_jobs(None, [{'type': 'lost_one', 'params': {'n': i}, 'timeout': 60000} for i in range(n)])
    with relay_to(service) as relay:
        worker = JobsWorker(f'http://127.0.0.1:{relay.port}', concurrency=n, block_for=1)
        release = threading.Event()
        worker.handle('lost_one', lambda job: release.wait(20) and job.params['n'])
        worker.open(None)
        try:
            wait_until(lambda: count_jobs(jobs, 'lost_one', 'running') == n, 10, what='all running')
            relay.paused = True  # the worker's outcomes wait; meanwhile another taker gets one job
            time.sleep(1.5)  # the worker's long-poll already at the service (block_for 1 s) ends unanswered
            victim = added[0].id
            jobs.abort_job(None, victim)
            taken = jobs.start_job_by_id(None, victim, 60000)
            assert taken.status == 'running'
            release.set()
            relay.paused = False
            wait_until(lambda: worker.stats.get('completed') == n - 1 and worker.stats.get('lease_lost') == 1, 10,
                       what='the batch settled')
        finally:
            release.set()
            worker.close(None)
    page = jobs.get_jobs(None, FilterParams.from_tuples('type', 'lost_one'), PagingParams(0, 100)).data
    status = {j.id: j.status for j in page}
    assert status.pop(victim) == 'running', 'the other taker still holds it'
    assert set(status.values()) == {'done'}
    assert worker.stats.get('rejected') is None
