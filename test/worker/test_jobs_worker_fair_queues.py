"""Fair queues against real worker processes (the CLI), read from the handlers' own stamps, on the file store and
on MongoDB with two service processes (workers split between them): with ``group_concurrency 2`` 8 workers never
run more than 2 jobs of one group at once; a small group queued behind a big one starts among the first jobs."""
from collections import Counter, defaultdict

import pytest

from service_background.jobs.clients.version1 import JobsHttpClientV1

from ..cron.service_process import ServiceProcess
from ..helpers import open_http_client, running_container
from ..jobs.conftest import shared_database_env
from .conftest import count_jobs, start_worker, stop_process, wait_until

TYPE = 'fair'
WORKERS = 8
GROUPS = {'g0': 36, 'g1': 12, 'g2': 12, 'g3': 12, 'g4': 12, 'g5': 12}  # one big group beside five small


@pytest.fixture(params=['file', 'mongodb'])
def service_urls(request, tmp_path):
    """The container on the file store (one URL), or two service processes sharing one MongoDB (two URLs)."""
    if request.param == 'file':
        with running_container(DATA_DIR=str(tmp_path / 'data')) as url:
            yield [url]
        return
    env = shared_database_env('mongodb', request, tmp_path)  # one database for both
    services = [ServiceProcess(**env) for _ in range(2)]
    try:
        for service in services:
            service.env.update(JOBS_DISABLED='false', CRON_DISABLED='true')
            service.start()
        for service in services:
            service.wait_ready()
        yield [service.url for service in services]
    finally:
        for service in services:
            service.stop()


def _peaks(stamps) -> dict:
    """The most handlers of each group running at one instant (an end before a start at the same instant)."""
    edges = defaultdict(list)
    for group, start, end, *_ in stamps:
        edges[group] += [(float(start), 1), (float(end), -1)]
    peaks = {}
    for group, points in edges.items():
        running = peak = 0
        for _, step in sorted(points):
            running += step
            peak = max(peak, running)
        peaks[group] = peak
    return peaks


def test_no_group_runs_more_than_its_concurrency_on_eight_workers(service_urls, tmp_path):
    clients = [open_http_client(JobsHttpClientV1, url) for url in service_urls]
    log = tmp_path / 'stamps.log'
    workers = []
    try:
        clients[0].set_queue_limits(None, TYPE, group_concurrency=2)
        for client in clients:  # a read of the limits hands them to that process's store at once
            assert [limit['group_concurrency'] for limit in client.get_queue_limits(None, TYPE)] == [2]
        workers = [start_worker(service_urls[n % len(service_urls)], log, '--type',
                                f'{TYPE}=test.worker.fair_handler:stamp', '--concurrency', '3',
                                stderr_path=tmp_path / 'stderr.log') for n in range(WORKERS)]
        wait_until(lambda: len({w['pid'] for w in clients[0].get_workers(None)} & {p.pid for p in workers})
                   == WORKERS, 30, what='every worker polling')
        jobs = [{'type': TYPE, 'group_key': group, 'params': {'group': group}, 'timeout': 60000}
                for group, count in GROUPS.items() for _ in range(count)]
        added = [job.id for n in range(0, len(jobs), 20)
                 for job in clients[n // 20 % len(clients)].add_jobs(None, jobs[n:n + 20])]
        total = sum(GROUPS.values())
        wait_until(lambda: count_jobs(clients[0], TYPE, 'done') == total, 40, what='every job done')
    finally:
        for process in workers:
            stop_process(process)
        for client in clients:
            client.close(None)
    stamps = [line.split() for line in log.read_text().splitlines() if line.strip()]
    runs = Counter(parts[4] for parts in stamps)
    assert sorted(runs) == sorted(added) and set(runs.values()) == {1}, 'a job ran twice or never'
    assert Counter(parts[0] for parts in stamps) == GROUPS
    peaks = _peaks(stamps)
    assert max(peaks.values()) <= 2, peaks
    assert peaks['g0'] == 2, peaks  # the big group did run two at once: the cap was what held it
    assert len({parts[3] for parts in stamps}) > 2, 'the jobs spread over the worker processes'


def test_a_small_group_starts_among_the_first_jobs_beside_a_big_one(service_urls, tmp_path):
    """200 jobs of "big" then 5 of "small", all queued before a worker runs. The server hands them out in turns
    (big 0, small 0, big 1, small 1, ...), so every small job is among the first 10 handed out. With ``--prefetch 0``
    a worker takes only for its free handlers, so a job starts when it is handed out: a job handed out later can
    start first only in the moment between another worker's take and its handler's first line, at most the other
    workers' slots. Bound: 10 + (workers - 1) x concurrency starts (FIFO would start the small ones at 201..205)."""
    workers_count, concurrency = 2, 2
    clients = [open_http_client(JobsHttpClientV1, url) for url in service_urls]
    log = tmp_path / 'stamps.log'
    workers = []
    try:
        for client, group, count in ((clients[0], 'big', 200), (clients[-1], 'small', 5)):
            for n in range(0, count, 50):
                client.add_jobs(None, [{'type': 'fair-rr', 'group_key': group, 'params': {'group': group}}
                                       for _ in range(min(50, count - n))])
        workers = [start_worker(service_urls[n % len(service_urls)], log, '--type',
                                'fair-rr=test.worker.fair_handler:stamp', '--concurrency', str(concurrency),
                                '--prefetch', '0', stderr_path=tmp_path / 'stderr.log')
                   for n in range(workers_count)]
        wait_until(lambda: log.exists() and log.read_text().split().count('small') == 5, 30,
                   what='every small job run')
    finally:
        for process in workers:
            stop_process(process)  # its running handlers finish and stamp first
        for client in clients:
            client.close(None)
    starts = [line.split() for line in log.read_text().splitlines() if line.strip()]
    starts.sort(key=lambda parts: float(parts[1]))
    places = [n + 1 for n, parts in enumerate(starts) if parts[0] == 'small']
    assert len(places) == 5 and max(places) <= 10 + (workers_count - 1) * concurrency, places
