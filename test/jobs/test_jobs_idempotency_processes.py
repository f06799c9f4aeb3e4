"""An idempotency key across two service processes sharing a MongoDB: 200 concurrent adds with one key,
spread over both, make one job and every answer names it."""
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

CALLS = 200
THREADS = 40


def test_two_processes_make_one_job_per_idempotency_key(two_jobs_processes):
    post, urls = two_jobs_processes
    new_job = {'type': 'charge', 'params': {'amount': 5}, 'idempotency_key': 'payment-42'}
    barrier = threading.Barrier(THREADS)

    def add(i: int) -> str:
        if i < THREADS:  # the first wave leaves together, on connections already open
            post(i, '/v1/jobs/get_jobs', {'filter': {'type': 'charge'}})
            barrier.wait(30)
        return post(i, '/v1/jobs/add_job', {'new_job': new_job})['id']
    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(add, range(CALLS)))
    assert len(ids) == CALLS and len(set(ids)) == 1, set(ids)
    for url in urls:
        page = requests.post(f'{url}/v1/jobs/get_jobs', json={'filter': {'type': 'charge'}}, timeout=10).json()
        assert [job['id'] for job in page['data']] == ids[:1]
    # deleted by one process, the key still answers the first job on the other
    requests.post(f'{urls[0]}/v1/jobs/delete_job_by_id', json={'job_id': ids[0]}, timeout=10)
    again = post(1, '/v1/jobs/add_job', {'new_job': new_job})
    assert again['id'] == ids[0] and again['status'] == 'aborted'
