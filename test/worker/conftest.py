import os
import signal
import subprocess
import sys
import time
from collections import Counter
from typing import Callable, List, Optional

import pytest
from pip_services3_commons.data import FilterParams, PagingParams

from service_background.jobs.clients.version1 import JobsHttpClientV1

from ..helpers import ROOT, open_http_client, running_container


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05, what: str = 'condition'):
    """Polls ``predicate`` until it returns a true value (returned) or ``timeout`` s pass (fails)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout} s waiting for {what}')
        time.sleep(interval)


def count_jobs(client: JobsHttpClientV1, job_type: str, status: Optional[str] = None) -> int:
    filter = FilterParams.from_tuples('type', job_type, *(('status', status) if status else ()))
    return client.get_jobs(None, filter, PagingParams(0, 1, True)).total


def all_jobs(client: JobsHttpClientV1, job_type: str) -> list:
    jobs, skip = [], 0
    while True:
        page = client.get_jobs(None, FilterParams.from_tuples('type', job_type), PagingParams(skip, 100)).data
        jobs += page
        if len(page) < 100:
            return jobs
        skip += 100


def read_log(path) -> List[tuple]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [tuple(line.split()) for line in f if line.strip()]


def events(path, event: str) -> Counter:
    return Counter(parts[1] for parts in read_log(path) if parts[0] == event)


def start_worker(url: str, log_path, *args: str, stderr_path=None, **env) -> subprocess.Popen:
    """The CLI in a process of its own, importing handlers from test/worker/handlers.py; one worker
    process unless ``WORKER_PROCESSES`` or ``--processes`` says otherwise."""
    environment = dict(os.environ, WORKER_PROCESSES='1', WORKER_TEST_LOG=str(log_path),
                       **{k: str(v) for k, v in env.items()})
    stderr = open(stderr_path, 'ab') if stderr_path else subprocess.DEVNULL
    try:
        return subprocess.Popen([sys.executable, '-m', 'service_background.worker.cli', '--url', url,
                                 '--path', ROOT, '--block-for', '1', *args], cwd=ROOT, env=environment,
                                stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    finally:
        if stderr_path:
            stderr.close()


def connected_to(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds a TCP connection to loopback ``port`` (from /proc: its socket
    inodes matched against the kernel's table)."""
    inodes = set()
    try:
        fds = os.listdir(f'/proc/{pid}/fd')
    except OSError:
        return False
    for fd in fds:
        try:
            inodes.add(os.readlink(f'/proc/{pid}/fd/{fd}')[8:-1])
        except OSError:
            pass  # closed meanwhile
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                rows = [line.split() for line in f.readlines()[1:]]
        except OSError:
            continue
        if any(int(row[2].rsplit(':', 1)[1], 16) == port and row[9] in inodes for row in rows):
            return True
    return False


def stop_process(process: subprocess.Popen, timeout: float = 15) -> Optional[int]:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None
    return process.returncode


@pytest.fixture(scope='module')
def service():
    """One memory container per module; leases are swept every 200 ms so lease tests are quick."""
    with running_container(MEMORY_ENABLED='true', JOBS_LEASE_INTERVAL='200') as url:
        yield url


@pytest.fixture(scope='module')
def jobs(service):
    client = open_http_client(JobsHttpClientV1, service)
    yield client
    client.close(None)
