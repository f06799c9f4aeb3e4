"""kill -9 of the real service (file persistences) at random moments, while four clients write and
while journals compact (JOURNAL_COMPACT_MIN=64 makes compactions frequent): after every restart each
acknowledged write is there: retry counts, job ids (batch adds), task ids, cron jobs."""
import os
import random
import signal
import subprocess
import sys
import threading
import time

import requests

from ..helpers import ROOT, free_port, wait_http

ROUNDS = int(os.environ.get('CRASH_ROUNDS', '10'))
FAR = int(time.time()) + 10 * 365 * 86400  # cron jobs that never fire during the test


class Service:
    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.process = None
        self.url = None

    def start(self):
        port = free_port()
        env = dict(os.environ, HTTP_HOST='127.0.0.1', HTTP_PORT=str(port), HTTP_FUNC_LISTEN=str(free_port()),
                   DATA_DIR=str(self.data_dir), LOG_LEVEL='error', JOURNAL_COMPACT_MIN='64')
        for name in ('MEMORY_ENABLED', 'MONGO_ENABLED', 'AUTH_TOKENS'):
            env.pop(name, None)
        self.process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], env=env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f'http://127.0.0.1:{port}'
        wait_http(self.url + '/heartbeat', timeout=60)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)


class Acknowledged:
    def __init__(self):
        self.lock = threading.Lock()
        self.retries = {}  # id -> acknowledged attempts
        self.jobs = set()
        self.tasks = set()
        self.cron = set()


def writers(url: str, acked: Acknowledged, stop: threading.Event, round: int):
    def retries():
        session = requests.Session()
        n = 0
        while not stop.is_set():
            id = f'r{n % 40}'
            n += 1
            try:
                reply = session.post(f'{url}/v1/retries/add_retry', json={'group': 'crash', 'id': id}, timeout=10)
            except requests.RequestException:
                return
            if reply.status_code == 200:
                with acked.lock:
                    acked.retries[id] = acked.retries.get(id, 0) + 1

    def jobs():
        session = requests.Session()
        while not stop.is_set():
            try:
                reply = session.post(f'{url}/v1/jobs/add_jobs', timeout=10,
                                     json={'new_jobs': [{'type': 'crash', 'params': {'r': round}}] * 5})
            except requests.RequestException:
                return
            if reply.status_code == 200:
                with acked.lock:
                    acked.jobs.update(job['id'] for job in reply.json())

    def tasks():
        session = requests.Session()
        n = 0
        while not stop.is_set():
            id = f't{round}_{n}'
            n += 1
            try:
                reply = session.post(f'{url}/v1/task', json={'id': id, 'namespace_id': 'crash'}, timeout=10)
            except requests.RequestException:
                return
            if reply.status_code == 201:
                with acked.lock:
                    acked.tasks.add(id)

    def cron():
        session = requests.Session()
        n = 0
        while not stop.is_set():
            id = f'j{round}x{n}'
            n += 1
            try:
                reply = session.post(f'{url}/v1/add/job', timeout=10, json={
                    'group_name': 'crash', 'job_id': id, 'name': id, 'exec_time': FAR,
                    'request_url': 'HTTP@http://127.0.0.1:9/never', 'interval_pattern': '@every 1h'})
            except requests.RequestException:
                return
            if reply.status_code == 200:
                with acked.lock:
                    acked.cron.add(id)
    return [threading.Thread(target=f) for f in (retries, jobs, tasks, cron)]


def check(url: str, acked: Acknowledged):
    session = requests.Session()
    ids = sorted(acked.retries)
    if ids:
        got = session.post(f'{url}/v1/retries/get_retry_by_ids', json={'group': 'crash', 'ids': ids},
                           timeout=30).json()
        counts = {r['id']: r['attempt_count'] for r in got}
        short = {id: (counts.get(id), n) for id, n in acked.retries.items() if counts.get(id, 0) < n}
        assert not short, f'retries lost acknowledged attempts: {short}'
    tasks = {t['id'] for t in session.get(f'{url}/v1/task?namespace_id=crash', timeout=30).json()['list']}
    assert acked.tasks <= tasks, f'tasks lost: {sorted(acked.tasks - tasks)[:10]}'
    cron = {j['job_id'] for j in session.get(f'{url}/v1/crash/job/list', timeout=30).json()}
    assert acked.cron <= cron, f'cron jobs lost: {sorted(acked.cron - cron)[:10]}'
    stored, skip = set(), 0
    while True:
        page = session.post(f'{url}/v1/jobs/get_jobs', timeout=30, json={
            'filter': {'type': 'crash'}, 'paging': {'skip': skip, 'take': 100}}).json()['data']
        stored.update(job['id'] for job in page)
        skip += 100
        if len(page) < 100:
            break
    assert acked.jobs <= stored, f'jobs lost: {sorted(acked.jobs - stored)[:10]}'


def test_kill9_mid_write_loses_nothing_acknowledged(tmp_path):
    rng = random.Random(int(os.environ.get('CRASH_SEED', '0')) or None)
    service = Service(tmp_path / 'data')
    acked = Acknowledged()
    service.start()
    try:
        assert requests.post(f'{service.url}/v1/namespace', json={'id': 'crash'}, timeout=10).status_code == 201
        assert requests.post(f'{service.url}/v1/register/group', json={'group_name': 'crash'},
                             timeout=10).status_code == 200
        for round in range(ROUNDS):
            stop = threading.Event()
            threads = writers(service.url, acked, stop, round)
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 1.5))
            service.kill()  # mid-write: the writers are still sending
            stop.set()
            for thread in threads:
                thread.join(30)
            begin = time.monotonic()
            service.start()
            started = time.monotonic() - begin
            check(service.url, acked)
            print(f'round {round}: restart {started:.1f} s, acknowledged so far: '
                  f'{sum(acked.retries.values())} retries, {len(acked.jobs)} jobs, {len(acked.tasks)} tasks, '
                  f'{len(acked.cron)} cron jobs')
        assert sum(acked.retries.values()) > 64 and len(acked.jobs) > 64  # journals did compact
        assert acked.tasks and acked.cron
    finally:
        if service.process.poll() is None:
            service.kill()
