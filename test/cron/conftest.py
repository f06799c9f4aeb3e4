"""Fixtures of the cron tests: every cron store on memory, file, MongoDB and PostgreSQL, and a container on
memory stores aimed at a local HTTP target."""
import pytest
import requests

from service_background.common.data import clock
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.persistence import (
    CronDispatchesFilePersistence,
    CronDispatchesMemoryPersistence,
    CronDispatchesMongoDbPersistence,
    CronDispatchesPostgresPersistence,
    CronFuncsFilePersistence,
    CronFuncsMemoryPersistence,
    CronFuncsMongoDbPersistence,
    CronFuncsPostgresPersistence,
    CronGroupsFilePersistence,
    CronGroupsMemoryPersistence,
    CronGroupsMongoDbPersistence,
    CronGroupsPostgresPersistence,
    CronJobsFilePersistence,
    CronJobsMemoryPersistence,
    CronJobsMongoDbPersistence,
    CronJobsPostgresPersistence,
    CronNodesFilePersistence,
    CronNodesMemoryPersistence,
    CronNodesMongoDbPersistence,
    CronNodesPostgresPersistence,
    CronRunsFilePersistence,
    CronRunsMemoryPersistence,
    CronRunsMongoDbPersistence,
    CronRunsPostgresPersistence,
)

from ..helpers import persistence_fixture, running_container, unique_name
from .target_server import TargetServer

# the cron persistence fixtures: each store on memory, file, MongoDB and PostgreSQL
groups = persistence_fixture({'memory': CronGroupsMemoryPersistence, 'file': CronGroupsFilePersistence,
                              'mongodb': CronGroupsMongoDbPersistence, 'postgres': CronGroupsPostgresPersistence},
                             'cron_groups')
jobs = persistence_fixture({'memory': CronJobsMemoryPersistence, 'file': CronJobsFilePersistence,
                            'mongodb': CronJobsMongoDbPersistence, 'postgres': CronJobsPostgresPersistence},
                           'cron_jobs')
runs = persistence_fixture({'memory': CronRunsMemoryPersistence, 'file': CronRunsFilePersistence,
                            'mongodb': CronRunsMongoDbPersistence, 'postgres': CronRunsPostgresPersistence},
                           'cron_runs')
nodes = persistence_fixture({'memory': CronNodesMemoryPersistence, 'file': CronNodesFilePersistence,
                             'mongodb': CronNodesMongoDbPersistence, 'postgres': CronNodesPostgresPersistence},
                            'cron_nodes')
dispatches = persistence_fixture({'memory': CronDispatchesMemoryPersistence, 'file': CronDispatchesFilePersistence,
                                  'mongodb': CronDispatchesMongoDbPersistence,
                                  'postgres': CronDispatchesPostgresPersistence}, 'cron_dispatches')
funcs = persistence_fixture({'memory': CronFuncsMemoryPersistence, 'file': CronFuncsFilePersistence,
                             'mongodb': CronFuncsMongoDbPersistence, 'postgres': CronFuncsPostgresPersistence},
                            'cron_funcs')

def make_job(group='g', job_id='j1', name='hello', next_run=None, active=True):
    return CronJobV1(group_name=group, job_id=job_id, name=name, request_url='HTTP@http://127.0.0.1:1/',
                     interval_pattern='@every 5s', timeout=3, active=active, next_run=next_run,
                     created=clock.now(), last_result={'status': 'ok', 'code': 200})



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


@pytest.fixture
def node_group(cron_url):
    """A fresh group: (name, node_secret), the secret worker nodes register with."""
    name = unique_name('n')[:22]
    r = requests.post(f'{cron_url}/v1/register/group', json={'group_name': name}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()['node_secret'] != r.json()['otp_secret']
    return name, r.json()['node_secret']


def add_job(url, group_name, request_url, pattern, **fields):
    body = {'group_name': group_name, 'name': 'Hello', 'exec_time': 0, 'request_url': request_url,
            'interval_pattern': pattern, 'exec_command': '', 'timeout': 2, 'memo': ''}
    body.update(fields)
    r = requests.post(f'{url}/v1/add/job', json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()
