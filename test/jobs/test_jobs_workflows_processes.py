"""Workflows on two service processes sharing one MongoDB or PostgreSQL: 200 workflows (40 on MongoDB) of
50 jobs with five fan-in jobs each (overlapping parents, a final join of joins) finished by takers alternating
between the processes: every job handed out once, every fan-in with each parent's own result, all done, each
workflow's callback POSTed once."""
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from .receiver import CallbackReceiver

# the MongoDB-wire test server scans its whole collection for each job a take claims (any type, any status),
# so 10,000 stored jobs make a take of 50 too slow for a bounded test: fewer workflows there, all 200 on a
# MongoDB named by MONGO_SERVICE_URI
WORKFLOWS = {'postgres': 200, 'mongodb': 200 if os.environ.get('MONGO_SERVICE_URI') else 40}
TAKERS = 6
TYPE = 'wfp'


def _shape(w: int) -> list:
    """root -> a0..a23 -> j0..j3 (7 parents each, one shared with the next) -> b0..b19 -> end (after every b
    and every j): 50 jobs, fan-ins j0..j3 and end."""
    def job(key, parents=()):
        return {'key': key, 'type': TYPE, 'params': {'w': w}, 'depends_on': list(parents)}
    jobs = [job('root')] + [job(f'a{i}', ['root']) for i in range(24)]
    jobs += [job(f'j{i}', [f'a{(6 * i + k) % 24}' for k in range(7)]) for i in range(4)]
    jobs += [job(f'b{i}', [f'j{i % 4}']) for i in range(20)]
    jobs.append(job('end', [f'b{i}' for i in range(20)] + [f'j{i}' for i in range(4)]))
    return jobs


FAN_INS = {job['key']: job['depends_on'] for job in _shape(0) if len(job['depends_on']) > 1}


def _result(job: dict) -> str:
    return f"{job['params']['w']}:{job['workflow_key']}"


@pytest.fixture
def receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.close()


def test_fan_in_jobs_are_released_once_with_every_parents_result(two_jobs_processes, request, receiver):
    post, _ = two_jobs_processes
    count = WORKFLOWS[request.node.callspec.params['two_jobs_processes']]
    with ThreadPoolExecutor(4) as pool:
        workflows = list(pool.map(lambda w: post(w, '/v1/jobs/add_workflow', {
            'jobs': _shape(w), 'callback_url': receiver.url}), range(count)))
    total = count * 50
    handed: Counter = Counter()
    fan_ins = []
    errors = []
    lock = threading.Lock()
    deadline = time.monotonic() + 150

    def taker(t: int):
        try:
            turn = t
            while time.monotonic() < deadline:
                with lock:
                    if sum(handed.values()) >= total:
                        return
                turn += 1  # each take goes to the other process than the last one
                jobs = post(turn, '/v1/jobs/start_jobs_by_type', {'type': TYPE, 'timeout': 60000, 'limit': 50})
                if not jobs:
                    time.sleep(0.02)
                    continue
                with lock:
                    handed.update(job['id'] for job in jobs)
                    fan_ins.extend(job for job in jobs if job['workflow_key'] in FAN_INS)
                done = post(turn + 1, '/v1/jobs/complete_jobs', {
                    'job_ids': [job['id'] for job in jobs], 'results': [_result(job) for job in jobs],
                    'lease_tokens': [job['lease_token'] for job in jobs]})
                assert all(job and job['status'] == 'done' for job in done), done
        except Exception as ex:  # the assertions below name it
            errors.append(repr(ex))
    threads = [threading.Thread(target=taker, args=(t,)) for t in range(TAKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not errors, errors[:3]
    assert sum(handed.values()) == total and len(handed) == total, 'a job handed out twice or never'
    assert len(fan_ins) == count * len(FAN_INS)
    seen = Counter((job['params']['w'], job['workflow_key']) for job in fan_ins)
    assert max(seen.values()) == 1 and len(seen) == count * len(FAN_INS)
    for job in fan_ins:
        w = job['params']['w']
        expected = {parent: f'{w}:{parent}' for parent in FAN_INS[job['workflow_key']]}
        assert job['parent_results'] == expected, (w, job['workflow_key'])
        assert job['batch_id'] == workflows[w]['id']
    for w, workflow in enumerate(workflows):
        summary = post(w + 1, '/v1/jobs/get_workflow', {'workflow_id': workflow['id']})
        assert summary['status'] == 'done' and summary['counts']['done'] == 50, (w, summary['counts'])
    receiver.wait(count, 30)
    posted = receiver.wait(count + 1, 1.0)  # a second POST of any workflow would show here
    assert Counter(body['id'] for body in posted) == Counter(workflow['id'] for workflow in workflows)
    assert {body['status'] for body in posted} == {'done'} and {body['total'] for body in posted} == {50}


def test_two_parents_finishing_at_once_on_two_processes_release_their_child_once(two_jobs_processes):
    """100 diamonds: every B finished on one process while every C is on the other, one by one in step."""
    post, _ = two_jobs_processes
    count = 100
    diamonds = [[{'key': 'A', 'type': 'race', 'params': {'w': w}},
                 *({'key': key, 'type': 'race', 'params': {'w': w}, 'depends_on': ['A']} for key in 'BC'),
                 {'key': 'D', 'type': 'race-join', 'params': {'w': w}, 'depends_on': ['B', 'C']}]
                for w in range(count)]
    for w, jobs in enumerate(diamonds):
        post(w, '/v1/jobs/add_workflow', {'jobs': jobs})

    def take_all(type: str) -> list:
        taken = []
        while batch := post(len(taken), '/v1/jobs/start_jobs_by_type', {'type': type, 'timeout': 60000, 'limit': 50}):
            taken += batch
        return taken

    roots = take_all('race')
    assert len(roots) == count and {job['workflow_key'] for job in roots} == {'A'}
    post(0, '/v1/jobs/complete_jobs', {'job_ids': [job['id'] for job in roots],
                                       'lease_tokens': [job['lease_token'] for job in roots]})
    middle = {(job['params']['w'], job['workflow_key']): job for job in take_all('race')}
    assert len(middle) == 2 * count
    barrier = threading.Barrier(2)
    errors = []

    def finish(process: int, key: str):
        try:
            for w in range(count):
                job = middle[(w, key)]
                barrier.wait(10)  # B and C of one diamond leave together, each on its own process
                post(process, '/v1/jobs/complete_job', {'job_id': job['id'], 'lease_token': job['lease_token'],
                                                        'result': _result(job)})
        except Exception as ex:  # named below
            barrier.abort()
            errors.append(repr(ex))
    threads = [threading.Thread(target=finish, args=(process, key)) for process, key in ((0, 'B'), (1, 'C'))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:3]
    joins = take_all('race-join')
    assert sorted(job['params']['w'] for job in joins) == list(range(count)), 'a join released twice or never'
    for job in joins:
        w = job['params']['w']
        assert job['parent_results'] == {'B': f'{w}:B', 'C': f'{w}:C'}, w
