"""The wheel as a newcomer gets it: built from the sources, installed with its dependencies into a fresh venv,
started from an empty folder (no checkout, no config/), serving the API and the dashboard."""
import os
import re
import shutil
import signal
import subprocess
import sys

import pytest
import requests

from ..helpers import ROOT, free_port, wait_http

SCRIPTS = ('service-background', 'service-background-worker', 'service-background-node')
# what the service reads from the environment; the run below must get none of it from the test's shell
SERVICE_ENV = ('CONFIG_PATH', 'DATA_DIR', 'MEMORY_ENABLED', 'MONGO_ENABLED', 'MONGO_SERVICE_URI', 'AUTH_TOKENS',
               'PYTHONPATH', 'VIRTUAL_ENV')


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_ENV}
    env.update(extra)
    return env


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """(bin folder of a fresh venv holding the wheel and its dependencies, the wheel's version).
    The venv has no system site-packages: a dependency missing from install_requires fails here."""
    base = tmp_path_factory.mktemp('wheel')
    source = base / 'source'  # a copy, so the build leaves no build/ or egg-info in the checkout
    source.mkdir()
    shutil.copy(os.path.join(ROOT, 'setup.py'), source)
    shutil.copytree(os.path.join(ROOT, 'src'), source / 'src',
                    ignore=shutil.ignore_patterns('__pycache__', '*.egg-info', '*.pyc'))
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(source), '--no-deps', '-q', '-w', str(base / 'dist')],
                   check=True, timeout=180, env=_clean_env())
    wheel, = (base / 'dist').glob('service_background-*.whl')
    version = wheel.name.split('-')[1]
    venv = base / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True, timeout=120, env=_clean_env())
    subprocess.run([str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '-q', str(wheel)], check=True,
                   timeout=300, env=_clean_env())
    return venv / 'bin', version


@pytest.mark.timeout(600)
def test_the_wheel_serves_from_an_empty_folder_with_its_packaged_config(installed, tmp_path):
    bin_dir, _ = installed
    port, func_port = free_port(), free_port()
    log = tmp_path / 'service.log'
    work = tmp_path / 'empty'
    work.mkdir()
    with open(log, 'wb') as out:
        process = subprocess.Popen([str(bin_dir / 'service-background')], cwd=work, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   env=_clean_env(HTTP_HOST='127.0.0.1', HTTP_PORT=str(port),
                                                  HTTP_FUNC_LISTEN=str(func_port), LOG_LEVEL='info'))
    url = f'http://127.0.0.1:{port}'
    try:
        wait_http(url + '/heartbeat', timeout=60)
        assert requests.get(url + '/heartbeat', timeout=10).status_code == 200
        r = requests.post(url + '/v1/jobs/add_job', json={'new_job': {'type': 'mail', 'params': {'to': 'a'}}},
                          timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()['type'] == 'mail' and r.json()['status'] == 'queued'
        page = requests.get(url + '/ui', timeout=10)
        assert page.status_code == 200 and '<title>service-background' in page.text
        script = requests.get(url + '/ui/static/app.js', timeout=10)  # package data, read from site-packages
        assert script.status_code == 200 and len(script.content) > 1000
        assert requests.get(url + '/swagger', timeout=10).status_code == 200  # Swagger UI, another package's data
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    text = log.read_text()
    # the log says which config was read (the packaged one) and where the data went (./data of the folder)
    config = re.search(r'Config (\S+);', text).group(1)
    assert config.startswith(str(bin_dir.parent)) and config.endswith(os.path.join('config', 'config.yml')), text
    assert f'files under {work / "data"}' in text, text
    assert 'jobs.json' in os.listdir(work / 'data')


def test_every_console_script_answers_help_and_version_from_any_folder(installed, tmp_path):
    bin_dir, version = installed
    for script in SCRIPTS:
        done = subprocess.run([str(bin_dir / script), '--help'], cwd=tmp_path, capture_output=True, text=True,
                              timeout=60, env=_clean_env())
        assert done.returncode == 0, done.stderr
        assert f'usage: {script}' in done.stdout
        done = subprocess.run([str(bin_dir / script), '--version'], cwd=tmp_path, capture_output=True, text=True,
                              timeout=60, env=_clean_env())
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f'{script} {version}'
