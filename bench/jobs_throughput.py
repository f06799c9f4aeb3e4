#!/usr/bin/env python
"""Jobs/s through the real container (bin/run.py in its own process) over HTTP: 1 producer + 4
workers, each on its own kept-alive session. Modes: single (add_job / start_job_by_type /
complete_job), batch (add_jobs and start_jobs_by_type of --batch, complete_job each) and queue
(seed 002: POST /jobs, POST /want_job, PUT /jobs/<id>).
Run: .venv/bin/python bench/jobs_throughput.py [--jobs N] [--batch B] [--persistence memory|file]
"""
import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')

WORKERS = 4


def producer(url: str, mode: str, jobs: int, batch: int):
    session = requests.Session()
    if mode == 'batch':
        for start in range(0, jobs, batch):
            new_jobs = [{'type': 'bench', 'params': i} for i in range(start, min(jobs, start + batch))]
            session.post(f'{url}/v1/jobs/add_jobs', json={'new_jobs': new_jobs}).raise_for_status()
    elif mode == 'queue':
        for i in range(jobs):
            session.post(f'{url}/jobs', json={'queue': 'bench', 'params': i}).raise_for_status()
    else:
        for i in range(jobs):
            session.post(f'{url}/v1/jobs/add_job', json={'new_job': {'type': 'bench', 'params': i}}).raise_for_status()


def worker(url: str, mode: str, batch: int, done: list, finished: threading.Event):
    session = requests.Session()
    count = 0
    while True:
        if mode == 'queue':
            r = session.post(f'{url}/want_job', json={'queue': 'bench'}, headers={'X-Accepted-Block-For': '0.2'})
            taken = [r.json()] if r.status_code == 200 else []
        elif mode == 'batch':
            r = session.post(f'{url}/v1/jobs/start_jobs_by_type', json={'type': 'bench', 'limit': batch})
            taken = r.json()
        else:
            r = session.post(f'{url}/v1/jobs/start_job_by_type', json={'type': 'bench'})
            taken = [r.json()] if r.status_code == 200 else []
        if not taken:
            if finished.is_set():
                break
            time.sleep(0.002)
            continue
        for job in taken:
            if mode == 'queue':
                session.put(f'{url}/jobs/{job["id"]}', json={'status': 'done', 'result': job['params']})
            else:
                session.post(f'{url}/v1/jobs/complete_job', json={'job_id': job['id'], 'result': job['params']})
            count += 1
    done.append(count)


def run(url: str, mode: str, jobs: int, batch: int) -> float:
    done, finished = [], threading.Event()
    workers = [threading.Thread(target=worker, args=(url, mode, batch, done, finished)) for _ in range(WORKERS)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    producer(url, mode, jobs, batch)
    finished.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    assert sum(done) == jobs, (sum(done), jobs)
    return jobs / elapsed


@contextlib.contextmanager
def service(**env):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    environ = dict(os.environ, HTTP_HOST='127.0.0.1', HTTP_PORT=str(port), LOG_LEVEL='error', **env)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], cwd=ROOT, env=environ,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 30
        while True:
            try:
                requests.get(url + '/heartbeat', timeout=1)
                break
            except requests.RequestException:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError('the service did not start')
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--jobs', type=int, default=5000)
    parser.add_argument('--batch', type=int, default=100)
    parser.add_argument('--persistence', choices=['memory', 'file'], default='memory')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {'MEMORY_ENABLED': 'true'} if args.persistence == 'memory' else {'DATA_DIR': folder}
        with service(JOBS_CLEAN_INTERVAL='1000', JOBS_FINISHED_TTL='1', **env) as url:
            for mode in ('single', 'batch', 'queue'):
                rate = run(url, mode, args.jobs, args.batch)
                print(f'{mode:>6} ({args.persistence}, 1 producer + {WORKERS} workers, {args.jobs} jobs'
                      f'{f", batch {args.batch}" if mode == "batch" else ""}): {rate:8,.0f} jobs/s')


if __name__ == '__main__':
    main()
