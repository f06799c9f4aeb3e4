"""The README's "Try it" section, run as written: every curl line against a started service, and the worker
example in a process of its own, so the quick start a newcomer follows never goes stale."""
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import pytest
import requests

from ..helpers import ROOT, running_container

README = os.path.join(ROOT, 'README.md')
SECTION = '## Try it'
README_HOST = 'localhost:8080'
FENCE = re.compile(r'^```(\w*)\n(.*?)^```', re.M | re.S)


def quickstart_blocks():
    """The fenced blocks of the README's quick-start section, in order, as (language, text)."""
    with open(README, encoding='utf-8') as f:
        text = f.read()
    start = text.index(SECTION)
    end = text.find('\n## ', start + len(SECTION))
    return FENCE.findall(text[start:end if end >= 0 else len(text)])


def curl_commands(block: str):
    """The curl commands of a bash block, each as argv; backslash-continued lines are joined."""
    commands = []
    for line in block.replace('\\\n', ' ').splitlines():
        argv = shlex.split(line, comments=True)
        if argv and argv[0] == 'curl':
            commands.append(argv)
    return commands


def run_curl(argv, base_url: str, out_path):
    """Runs one README curl line with the service's address in place of the README's; returns
    (status, content type, body)."""
    host = base_url.split('://', 1)[1]
    args = [a.replace(f'http://{README_HOST}', base_url).replace(README_HOST, host) for a in argv[1:]]
    done = subprocess.run(['curl', '-sS', '--max-time', '15', '-o', str(out_path),
                           '-w', '%{http_code} %{content_type}', *args],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f'{shlex.join(argv)}: {done.stderr}'
    status, _, content_type = done.stdout.partition(' ')
    with open(out_path, encoding='utf-8') as f:
        return int(status), content_type, f.read()


def start_worker(code: str, base_url: str, tmp_path):
    """The README's worker example in a process of its own, pointed at the started service."""
    script = tmp_path / 'worker.py'
    script.write_text(code.replace(f'http://{README_HOST}', base_url), encoding='utf-8')
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'src'))
    return subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_jobs_done(base_url: str, job_type: str, timeout: float = 30.0):
    """The jobs of ``job_type``, once none is unfinished (or the last look when time runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = requests.post(f'{base_url}/v1/jobs/get_jobs', json={'filter': {'type': job_type}},
                             timeout=10).json()['data']
        if (jobs and all(j['status'] == 'done' for j in jobs)) or time.monotonic() > deadline:
            return jobs
        time.sleep(0.1)


def stop(process) -> int:
    """SIGTERM, as a user's Ctrl-C or an orchestrator would stop it; kills it if it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    return process.returncode


def test_readme_sections_parse():
    blocks = quickstart_blocks()
    curls = [argv for lang, text in blocks if lang == 'bash' for argv in curl_commands(text)]
    urls = ' '.join(' '.join(argv) for argv in curls)
    # one call per domain at least, and the worker example, or the quick start lost something
    for route in ('/v1/retries/', '/v1/jobs/', '/v1/namespace', '/v1/task', '/v1/register/group', '/v1/add/job'):
        assert route in urls, route
    assert [text for lang, text in blocks if lang == 'python'], 'no worker example'
    worker = next(text for lang, text in blocks if lang == 'python')
    assert len([line for line in worker.splitlines() if line.strip()]) <= 5, 'the worker example grew past five lines'


@pytest.mark.timeout(120)
def test_readme_quickstart_runs_against_the_service(tmp_path):
    # the embedded file store, as `make run` starts it
    with running_container(DATA_DIR=str(tmp_path / 'data')) as base_url:
        worker = None
        ran = 0
        try:
            for lang, text in quickstart_blocks():
                if lang == 'bash':
                    for argv in curl_commands(text):
                        status, content_type, body = run_curl(argv, base_url, tmp_path / 'answer')
                        line = shlex.join(argv)
                        assert 200 <= status < 300, f'{line} → {status} {body}'
                        assert content_type.startswith('application/json'), f'{line} → {content_type}'
                        json.loads(body)
                        ran += 1
                elif lang == 'python':
                    worker = start_worker(text, base_url, tmp_path)
                    jobs = wait_jobs_done(base_url, 'mail')
                    assert jobs, 'the quick start queued no mail job'
                    for job in jobs:
                        assert job['status'] == 'done', job
                        assert job['result'] == {'sent_to': job['params']['to']}, job
            assert ran >= 8
        finally:
            if worker is not None:
                code = stop(worker)
                output = worker.stdout.read()
        assert worker is not None, 'no worker example ran'
        assert code == 0, output
