import pytest
import requests

from ..helpers import running_container, unique_name
from .target_server import TargetServer


@pytest.fixture(scope='module')
def target():
    with TargetServer() as server:
        yield server


@pytest.fixture(scope='module')
def cron_url(target):
    """One container on memory persistences per test module, its reply hook aimed at the target."""
    with running_container(MEMORY_ENABLED='true', CRON_REPLY_URL=target.url + '/reply') as url:
        yield url


@pytest.fixture
def group(cron_url):
    """A fresh group: (name, otp_secret)."""
    name = unique_name('g')[:22]
    r = requests.post(f'{cron_url}/v1/register/group', data='{"group_name": "%s"}' % name, timeout=10)
    assert r.status_code == 200, r.text
    return name, r.json()['otp_secret']


def add_job(url, group_name, request_url, pattern, **fields):
    body = {'group_name': group_name, 'name': 'Hello', 'exec_time': 0, 'request_url': request_url,
            'interval_pattern': pattern, 'exec_command': '', 'timeout': 2, 'memo': ''}
    body.update(fields)
    r = requests.post(f'{url}/v1/add/job', json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()
