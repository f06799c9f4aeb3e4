"""Durability of the default (file) configuration: across a container restart and a kill -9."""
import os
import signal
import subprocess
import sys

import requests

from ..helpers import ROOT, free_port, wait_http


def test_data_survives_a_container_restart(file_service_factory):
    with file_service_factory() as url:
        requests.post(f'{url}/v1/retries/add_retries', json={'group': 'g', 'ids': ['a', 'b'], 'ttl': 600000},
                      timeout=10).raise_for_status()
        requests.post(f'{url}/v1/retries/add_retry', json={'group': 'g', 'id': 'a', 'ttl': 600000},
                      timeout=10).raise_for_status()
    with file_service_factory() as url:
        r = requests.post(f'{url}/v1/retries/get_retry_by_ids', json={'group': 'g', 'ids': ['a', 'b']}, timeout=10)
        assert [(x['id'], x['attempt_count']) for x in r.json()] == [('a', 2), ('b', 1)]


def _start(port, data_dir):
    env = dict(os.environ, HTTP_PORT=str(port), HTTP_HOST='127.0.0.1', DATA_DIR=data_dir, LOG_LEVEL='error')
    for name in ('MEMORY_ENABLED', 'MONGO_ENABLED'):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(f'http://127.0.0.1:{port}/heartbeat', timeout=30)
    return process


def test_acknowledged_writes_survive_kill_9(tmp_path):
    port = free_port()
    data_dir = str(tmp_path / 'data')
    url = f'http://127.0.0.1:{port}'
    process = _start(port, data_dir)
    try:
        for i in range(50):
            requests.post(f'{url}/v1/retries/add_retry', json={'group': 'k', 'id': str(i % 5), 'ttl': 600000},
                          timeout=10).raise_for_status()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    process = _start(port, data_dir)
    try:
        page = requests.post(f'{url}/v1/retries/get_retries', json={'filter': {'group': 'k'}}, timeout=10).json()
        assert sorted((x['id'], x['attempt_count']) for x in page['data']) == [(str(i), 10) for i in range(5)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
