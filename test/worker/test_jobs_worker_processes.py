"""1,000 jobs over 3 worker processes (the CLI) with 8 slots each and a prefetch of 2 (a paced prefetch
lets the first process to start hold hundreds of fast jobs, and this test is about sharing a queue)."""
from .conftest import all_jobs, connected_to, count_jobs, events, read_log, start_worker, stop_process, wait_until

N = 1000


def test_thousand_jobs_three_processes_each_once(service, jobs, tmp_path):
    log = tmp_path / 'runs.log'
    workers = [start_worker(service, log, '--type', 'many=test.worker.handlers:echo', '--concurrency', '8',
                            '--prefetch', '2')
               for _ in range(3)]
    try:
        # all three started (each long-polls the service) before the jobs come, so all three share them
        port = int(service.rsplit(':', 1)[1])
        wait_until(lambda: all(connected_to(w.pid, port) for w in workers), 30, what='three workers connected')
        for start in range(0, N, 500):
            jobs.add_jobs(None, [{'type': 'many', 'params': {'n': n}} for n in range(start, start + 500)])
        wait_until(lambda: count_jobs(jobs, 'many', 'done') == N, 45, 0.2, 'every job done')
    finally:
        codes = [stop_process(w) for w in workers]
    assert codes == [0, 0, 0]

    runs = events(log, 'run')
    assert len(runs) == N and set(runs.values()) == {1}, 'every job handled exactly once'
    pids = {parts[2] for parts in read_log(log)}
    assert len(pids) == 3, 'all three processes took jobs'
    stored = all_jobs(jobs, 'many')
    assert len(stored) == N
    for job in stored:
        assert job.status == 'done' and job.retries == 1
        assert job.result == {'n': job.params['n'] * 2}
        assert job.id in runs
