"""add_uniq_job is atomic across processes sharing a MongoDB (issue 11, point 2): 200 concurrent calls
for one ref_id split over two service processes make one job, 10 rounds."""
from concurrent.futures import ThreadPoolExecutor

import requests

ROUNDS = 10
CALLS = 200


def test_two_processes_make_one_uniq_job_per_ref(two_jobs_processes):
    post, urls = two_jobs_processes

    def add(i: int, ref: str) -> str:
        return post(i, '/v1/jobs/add_uniq_job', {'new_job': {'type': 'uniq', 'ref_id': ref}})['id']

    with ThreadPoolExecutor(16) as pool:
        for round in range(ROUNDS):
            ref = f'ref{round}'
            ids = set(pool.map(lambda i: add(i, ref), range(CALLS)))
            page = requests.post(f'{urls[0]}/v1/jobs/get_jobs',
                                 json={'filter': {'type': 'uniq', 'ref_id': ref}}, timeout=10).json()
            assert len(ids) == 1 and len(page['data']) == 1, (round, ids, page)
    # a finished job frees its key: the next add makes a new one
    job = requests.post(f'{urls[1]}/v1/jobs/start_job_by_type', json={'type': 'uniq'}, timeout=10).json()
    r = requests.post(f'{urls[0]}/v1/jobs/complete_job', json={'job_id': job['id'],
                                                               'lease_token': job['lease_token']}, timeout=10)
    assert r.status_code == 200
    assert add(1, job['ref_id']) != job['id']
