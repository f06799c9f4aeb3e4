"""The jobs store on PostgreSQL at scale, two service processes on one database: worker processes taking
batches never take a job twice; concurrent unique adds over both processes make one job; a long-poll
take on one process is woken by an add on the other.

Scaled down for the 2-core test machine: 5,000 jobs (not 20,000) over 6 worker processes (not 8)."""
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ..helpers import ROOT

FULL = os.environ.get('SCALE_FULL') == '1'  # the size, by hand: SCALE_FULL=1 pytest -s <this file>
JOBS = 20000 if FULL else 5000
WORKERS = 8 if FULL else 6
BATCH = 50
ADD_CHUNK = 250
UNIQUE_CALLS = 200
UNIQUE_ROUNDS = 10
WAKES = 100

# the two_jobs_processes fixture (conftest.py) on PostgreSQL alone
on_postgres = pytest.mark.parametrize('two_jobs_processes', ['postgres'], indirect=True)


def _start_takers(tmp_path, urls):
    taker = os.path.join(ROOT, 'test', 'jobs', 'batch_taker.py')
    outs = [tmp_path / f'taker{i}.txt' for i in range(WORKERS)]
    processes = [subprocess.Popen([sys.executable, taker, str(out), 'scale', str(BATCH), str(tmp_path / 'stop'),
                                   *(urls[i % 2:] + urls[:i % 2])]) for i, out in enumerate(outs)]
    return processes, outs


@on_postgres
def test_worker_processes_never_take_a_job_twice(two_jobs_processes, tmp_path):
    post, urls = two_jobs_processes
    takers, outs = _start_takers(tmp_path, urls)
    added = []
    try:
        for i, start in enumerate(range(0, JOBS, ADD_CHUNK)):  # both processes add while the workers take
            jobs = post(i, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'scale', 'params': n}
                                                              for n in range(start, start + ADD_CHUNK)]})
            added.extend(job['id'] for job in jobs)
        (tmp_path / 'stop').touch()
        codes = [taker.wait(150) for taker in takers]
    finally:
        for taker in takers:
            if taker.poll() is None:
                taker.kill()
                taker.wait()
    taken = [job_id for out in outs for job_id in out.read_text().split()]
    per_worker = [len(out.read_text().split()) for out in outs]
    print(f'\n{len(added)} jobs, {len(taken)} takes by {WORKERS} workers {per_worker}, '
          f'{len(taken) - len(set(taken))} taken twice')
    assert codes == [0] * WORKERS  # 1: a complete refused, as a job taken twice would be
    assert len(taken) == len(set(taken)), 'a job was taken twice'
    assert len(added) == JOBS and sorted(taken) == sorted(added)
    left = post(0, '/v1/jobs/get_jobs', {'filter': {'type': 'scale', 'status': 'queued'},
                                         'paging': {'take': 1, 'total': True}})
    assert left['total'] == 0


@on_postgres
def test_concurrent_unique_adds_on_both_processes_make_one_job(two_jobs_processes):
    post, urls = two_jobs_processes

    def add(i: int, ref: str, gate: threading.Barrier) -> str:
        gate.wait(60)  # every call sent at once
        if (i // 2) % 2:  # add_uniq_job and add_job with a unique lock share the key: type + ref_id
            return post(i, '/v1/jobs/add_uniq_job', {'new_job': {'type': 'uniq', 'ref_id': ref}})['id']
        return post(i, '/v1/jobs/add_job', {'new_job': {'type': 'uniq', 'ref_id': ref,
                                                        'unique': {'until': 'finished'}}})['id']

    with ThreadPoolExecutor(UNIQUE_CALLS) as pool:
        for round in range(UNIQUE_ROUNDS):
            ref, gate = f'ref{round}', threading.Barrier(UNIQUE_CALLS)
            ids = set(pool.map(lambda i, ref=ref, gate=gate: add(i, ref, gate), range(UNIQUE_CALLS)))
            page = requests.post(f'{urls[round % 2]}/v1/jobs/get_jobs',
                                 json={'filter': {'type': 'uniq', 'ref_id': ref}}, timeout=30).json()
            assert len(ids) == 1 and len(page['data']) == 1, (round, ids, page)
    print(f'\n{UNIQUE_ROUNDS} rounds of {UNIQUE_CALLS} concurrent unique adds: one job each')


@on_postgres
def test_a_long_poll_on_one_process_is_woken_by_an_add_on_the_other(two_jobs_processes):
    post, urls = two_jobs_processes
    waiter = requests.Session()

    def want():
        reply = waiter.post(f'{urls[0]}/want_job', json={'queue': 'wake'}, timeout=60,
                            headers={'X-Accepted-Block-For': '20'})
        return reply, time.monotonic()

    latencies, after_ack, unwoken = [], [], []
    with ThreadPoolExecutor(1) as pool:
        for _ in range(WAKES):
            waiting = pool.submit(want)
            time.sleep(0.1)  # the take is waiting by then (an add before that is taken at once, no wake)
            sent = time.monotonic()
            job = post(1, '/v1/jobs/add_job', {'new_job': {'type': 'wake'}})
            acked = time.monotonic()
            reply, answered = waiting.result(60)
            after_ack.append(max(0.0, answered - acked))
            if reply.status_code != 200 or reply.json()['id'] != job['id']:
                unwoken.append((job['id'], reply.status_code))
            latencies.append(answered - sent)
    for name, values in (('from the add sent (the add itself included)', latencies),
                         ("from the add's reply (the job stored)", after_ack)):
        values.sort()
        print(f'\ncross-process wake over {WAKES} adds, {name}: p50 {values[len(values) // 2] * 1000:.1f} ms, '
              f'p99 {values[int(len(values) * 0.99) - 1] * 1000:.1f} ms, max {values[-1] * 1000:.1f} ms')
    assert not unwoken, f'waits not woken by the add: {unwoken}'
