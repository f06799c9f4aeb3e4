"""Workflows across two service processes sharing one MongoDB or PostgreSQL: 200 workflows of 50 jobs (40 on
MongoDB; fan-out, fan-in, fan-out, fan-in) finished by takers on both processes at once hand every fan-in job
out exactly once, with every parent's result, and every workflow ends done."""
import threading
import time
from collections import Counter

TAKERS = 8
# the MongoDB-wire test server's take scans its table (SQLite), so it gets fewer jobs than PostgreSQL
WORKFLOWS = {'postgres': 200, 'mongodb': 40}


def _shape(n: int) -> list:
    """root -> 24 -> join1 -> 23 -> join2: 50 jobs, two fan-ins of 24 and 23 parents."""
    jobs = [{'key': 'root', 'type': 'fan', 'params': {'w': n}}]
    jobs += [{'key': f'a{i}', 'type': 'fan', 'depends_on': ['root']} for i in range(24)]
    jobs.append({'key': 'join1', 'type': 'fan', 'depends_on': [f'a{i}' for i in range(24)]})
    jobs += [{'key': f'b{i}', 'type': 'fan', 'depends_on': ['join1']} for i in range(23)]
    jobs.append({'key': 'join2', 'type': 'fan', 'depends_on': [f'b{i}' for i in range(23)]})
    return jobs


def test_fan_in_jobs_are_released_once_with_every_result(two_jobs_processes, request):
    post, _ = two_jobs_processes
    count = WORKFLOWS[request.node.callspec.params['two_jobs_processes']]
    workflows = [post(n, '/v1/jobs/add_workflow', {'jobs': _shape(n)}) for n in range(count)]
    total = count * 50
    taken: Counter = Counter()
    joins = []
    lock = threading.Lock()
    deadline = time.monotonic() + 120
    errors = []

    def taker(i: int):
        try:
            idle = 0
            while time.monotonic() < deadline and idle < 40:
                with lock:
                    if sum(taken.values()) >= total:
                        return
                jobs = post(i, '/v1/jobs/start_jobs_by_type', {'type': 'fan', 'timeout': 60000, 'limit': 50}) or []
                if not jobs:
                    idle += 1
                    time.sleep(0.05)
                    continue
                idle = 0
                with lock:
                    taken.update(job['id'] for job in jobs)
                    joins.extend(job for job in jobs if job['workflow_key'].startswith('join'))
                post(i + 1, '/v1/jobs/complete_jobs', {  # the other process finishes what this one took
                    'job_ids': [job['id'] for job in jobs], 'results': [job['workflow_key'] for job in jobs],
                    'lease_tokens': [job['lease_token'] for job in jobs]})
        except Exception as ex:  # the assertion below names it
            errors.append(repr(ex))
    threads = [threading.Thread(target=taker, args=(i,)) for i in range(TAKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(150)
    assert not errors, errors[:3]
    assert len(taken) == total and max(taken.values()) == 1  # every job once, none twice
    assert len(joins) == 2 * count
    for join in joins:
        expected = {f'a{i}': f'a{i}' for i in range(24)} if join['workflow_key'] == 'join1' \
            else {f'b{i}': f'b{i}' for i in range(23)}
        assert join['parent_results'] == expected
    for n, workflow in enumerate(workflows):
        summary = post(n + 1, '/v1/jobs/get_workflow', {'workflow_id': workflow['id']})
        assert summary['status'] == 'done' and summary['counts']['done'] == 50, summary['counts']
