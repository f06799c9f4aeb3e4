"""`python bin/run.py` as the README runs it: no environment but the ports, every domain on its
default durable files under ./data, data kept across a restart."""
import os
import signal
import subprocess
import sys

import requests

from ..helpers import CONFIG_PATH, ROOT, free_port, wait_http


def _start(cwd, port, func_port):
    env = {k: v for k, v in os.environ.items() if k not in ('MONGO_ENABLED', 'DATA_DIR', 'MONGO_SERVICE_URI')}
    # "false" must count as off: this run is still on files
    env.update(HTTP_PORT=str(port), HTTP_FUNC_LISTEN=str(func_port), MEMORY_ENABLED='false', LOG_LEVEL='error')
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py'), '-c', CONFIG_PATH],
                               cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f'http://127.0.0.1:{port}/heartbeat', timeout=30)
    except Exception:
        process.kill()
        raise
    return process


def _stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_default_config_serves_every_domain_on_durable_files(tmp_path):
    port, func_port = free_port(), free_port()
    url = f'http://127.0.0.1:{port}'
    process = _start(tmp_path, port, func_port)
    try:
        assert requests.post(f'{url}/v1/retries/add_retry', json={'group': 'g', 'id': '1'}, timeout=10).ok
        r = requests.post(f'{url}/jobs', json={'queue': 'q', 'params': {'a': 1}}, timeout=10)
        assert r.status_code == 202
        job_path = r.headers['Location']
        assert requests.post(f'{url}/v1/namespace', json={'id': 'Infra'}, timeout=10).status_code == 201
        assert requests.post(f'{url}/v1/register/group', json={'group_name': 'YM55'}, timeout=10).ok
    finally:
        _stop(process)
    stored = os.listdir(tmp_path / 'data')
    for name in ('retries.json', 'jobs.json', 'tasks.json', 'cron_groups.json'):
        assert name in stored, stored

    process = _start(tmp_path, port, func_port)
    try:
        r = requests.post(f'{url}/v1/retries/get_retry_by_id', json={'group': 'g', 'id': '1'}, timeout=10)
        assert r.json()['attempt_count'] == 1
        assert requests.get(url + job_path, timeout=10).json()['params'] == {'a': 1}
        assert requests.get(f'{url}/v1/namespace/Infra', timeout=10).json() == {'id': 'Infra'}
        assert 'YM55' in requests.get(f'{url}/v1/group/list', timeout=10).text
    finally:
        _stop(process)
