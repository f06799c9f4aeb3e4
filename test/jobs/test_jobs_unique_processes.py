"""Unique jobs across two service processes sharing a MongoDB: 1,000 concurrent add_job calls with one
unique key make one job (per lifetime); 200 concurrent add_uniq_job calls for one ref_id make one job,
10 rounds."""
import time
from concurrent.futures import ThreadPoolExecutor

import requests

CALLS = 1000
ROUNDS = 10
REF_CALLS = 200


def test_two_processes_make_one_job_per_unique_key(two_jobs_processes):
    post, urls = two_jobs_processes

    def add(i: int, unique: dict) -> str:
        return post(i, '/v1/jobs/add_job', {'new_job': {'type': 'once', 'ref_id': 'tick-1', 'unique': unique}})['id']

    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        ids = set(pool.map(lambda i: add(i, {'until': 'ttl', 'ttl': 600000}), range(CALLS)))
        assert len(ids) == 1, ids
        page = requests.post(f'{urls[0]}/v1/jobs/get_jobs', json={'filter': {'type': 'once'}}, timeout=10).json()
        assert len(page['data']) == 1
        # the ttl lock outlives the job: finishing it changes nothing
        job = requests.post(f'{urls[1]}/v1/jobs/start_job_by_type', json={'type': 'once'}, timeout=10).json()
        requests.post(f'{urls[0]}/v1/jobs/complete_job', json={'job_id': job['id']}, timeout=10)
        assert set(pool.map(lambda i: add(i, {'until': 'ttl', 'ttl': 600000}), range(50))) == ids
    print(f'{CALLS} adds over two processes in {time.monotonic() - started:.1f} s')


def test_two_processes_make_one_uniq_job_per_ref(two_jobs_processes):
    post, urls = two_jobs_processes

    def add(i: int, ref: str) -> str:
        return post(i, '/v1/jobs/add_uniq_job', {'new_job': {'type': 'uniq', 'ref_id': ref}})['id']

    with ThreadPoolExecutor(16) as pool:
        for round in range(ROUNDS):
            ref = f'ref{round}'
            ids = set(pool.map(lambda i, ref=ref: add(i, ref), range(REF_CALLS)))
            page = requests.post(f'{urls[0]}/v1/jobs/get_jobs',
                                 json={'filter': {'type': 'uniq', 'ref_id': ref}}, timeout=10).json()
            assert len(ids) == 1 and len(page['data']) == 1, (round, ids, page)
    # a finished job frees its key: the next add makes a new one
    job = requests.post(f'{urls[1]}/v1/jobs/start_job_by_type', json={'type': 'uniq'}, timeout=10).json()
    r = requests.post(f'{urls[0]}/v1/jobs/complete_job', json={'job_id': job['id'],
                                                               'lease_token': job['lease_token']}, timeout=10)
    assert r.status_code == 200
    assert add(1, job['ref_id']) != job['id']
