"""JOB@<type>: each cron firing enqueues one job into the jobs domain, ref_id
``<group>:<job_id>:<planned ISO>``; a repeated tick finds the job it made; without the jobs domain
JOB@ jobs are 400s."""
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor

from service_background.cron.data.version1 import CronJobV1
from service_background.cron.logic.cron_executors import CronExecution
from service_background.cron.logic.job_executor import JobExecutor, ref_id_of
from service_background.jobs.logic import JobsController
from service_background.jobs.persistence import JobsMemoryPersistence, JobsMongoDbPersistence

from .. import helpers
from ..helpers import running_container, unique_name


def _post(url, path, body, status=200):
    r = requests.post(url + path, json=body, timeout=10)
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso.replace('Z', '+00:00')).timestamp() * 1000)


def jobs_of_type(url, job_type):
    """Every job of the type (pages of 100) through the jobs commands."""
    jobs, skip = [], 0
    while True:
        page = _post(url, '/v1/jobs/get_jobs', {'filter': {'type': job_type},
                                                 'paging': {'skip': skip, 'take': 100}})
        jobs += page['data']
        if len(page['data']) < 100:
            return jobs
        skip += 100


@pytest.fixture(scope='module')
def service():
    with running_container(MEMORY_ENABLED='true') as url:
        yield url


@pytest.fixture
def group(service):
    name = unique_name('jg')[:22]
    _post(service, '/v1/register/group', {'group_name': name})
    return name


def _job_body(group, **fields):
    body = {'group_name': group, 'name': 'enqueue', 'exec_time': 0, 'request_url': 'JOB@report',
            'interval_pattern': '@every 1s', 'exec_command': '{"kind": "daily", "n": 1}', 'timeout': 5}
    body.update(fields)
    return body


def test_job_every_second_enqueues_one_job_per_tick(service, group):
    job_type = unique_name('report')
    cron_job = _post(service, '/v1/add/job', _job_body(group, request_url=f'JOB@{job_type}'))
    time.sleep(3.6)
    _post(service, '/v1/pause/job', {'group_name': group, 'job_id': cron_job['job_id']})
    time.sleep(0.3)
    jobs = jobs_of_type(service, job_type)
    assert 3 <= len(jobs) <= 5, jobs
    prefix = f'{group}:{cron_job["job_id"]}:'
    planned = []
    for job in jobs:
        assert job['type'] == job_type and job['status'] == 'queued'
        assert job['params'] == {'kind': 'daily', 'n': 1}
        assert job['ref_id'].startswith(prefix), job['ref_id']
        iso = job['ref_id'][len(prefix):]
        assert iso.endswith('Z') and 'T' in iso
        planned.append(_ms(iso))
    planned.sort()
    assert len(set(planned)) == len(planned)
    assert all(b - a == 1000 for a, b in zip(planned, planned[1:])), planned
    # each run records the job it enqueued
    runs = _post(service, '/v1/cron/get_job_runs', {'group_name': group, 'job_id': cron_job['job_id']})
    assert runs and all(r['status'] == 'ok' for r in runs), runs
    outputs = [json.loads(r['output']) for r in runs]
    by_id = {j['id']: j for j in jobs}
    for output in outputs:
        assert output['job_id'] in by_id and by_id[output['job_id']]['ref_id'] == output['ref_id']
        assert output['existing'] is False
    assert len(outputs) == len(jobs)


def test_empty_exec_command_enqueues_without_params(service, group):
    job_type = unique_name('noparams')
    cron_job = _post(service, '/v1/add/job', _job_body(group, request_url=f'JOB@{job_type}',
                                                        interval_pattern='@once', exec_command=''))
    deadline = time.time() + 5
    while not jobs_of_type(service, job_type) and time.time() < deadline:
        time.sleep(0.1)
    jobs = jobs_of_type(service, job_type)
    assert len(jobs) == 1 and jobs[0].get('params') is None
    assert jobs[0]['ref_id'].startswith(f'{group}:{cron_job["job_id"]}:')


@pytest.mark.parametrize('command', ['{"a": ', 'not json', '{"a": 1} x'])
def test_bad_params_json_is_400(service, group, command):
    r = requests.post(service + '/v1/add/job', json=_job_body(group, exec_command=command), timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()['code'] == 'BAD_EXEC_COMMAND' and 'JSON' in r.json()['message']


def test_bad_edit_and_missing_type_are_400(service, group):
    r = requests.post(service + '/v1/add/job', json=_job_body(group, request_url='JOB@'), timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_REQUEST_URL', r.text
    job = _post(service, '/v1/add/job', _job_body(group, interval_pattern='@every 1h'))
    r = requests.post(service + '/v1/edit/job', json={'group_name': group, 'job_id': job['job_id'],
                                                      'exec_command': '[1, 2'}, timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_EXEC_COMMAND', r.text
    # an HTTP@ job turned into a JOB@ one is checked the same way
    http = _post(service, '/v1/add/job', _job_body(group, request_url='HTTP@http://127.0.0.1:9/',
                                                   interval_pattern='@every 1h', exec_command='x'))
    r = requests.post(service + '/v1/edit/job', json={'group_name': group, 'job_id': http['job_id'],
                                                      'request_url': 'JOB@mail'}, timeout=10)
    assert r.status_code == 400 and r.json()['code'] == 'BAD_EXEC_COMMAND', r.text


def test_without_the_jobs_domain_job_jobs_are_400():
    with running_container(MEMORY_ENABLED='true', JOBS_DISABLED='true') as url:
        _post(url, '/v1/register/group', {'group_name': 'NoJobs'})
        r = requests.post(url + '/v1/add/job', json=_job_body('NoJobs'), timeout=10)
        assert r.status_code == 400, r.text
        assert r.json()['code'] == 'BAD_REQUEST_URL' and 'jobs domain' in r.json()['message']
        # HTTP@ jobs are unaffected
        _post(url, '/v1/add/job', _job_body('NoJobs', request_url='HTTP@http://127.0.0.1:9/',
                                            interval_pattern='@every 1h', exec_command=''))


def _jobs_controller(persistence) -> JobsController:
    controller = JobsController()
    controller.configure(ConfigParams.from_tuples('options.clean_interval', 0))
    helpers.wire(Descriptor('service-background-jobs', 'persistence', 'memory', 'default', '1.0'), persistence,
                 Descriptor('service-background-jobs', 'controller', 'default', 'default', '1.0'), controller)
    return controller


def test_a_tick_fired_twice_enqueues_once():
    """The idempotency under the claim: the same (job, planned time) executed twice, as after a
    re-plan onto a tick that already fired, gives back the job the first made."""
    controller = _jobs_controller(JobsMemoryPersistence())
    try:
        executor = JobExecutor(controller)
        job = CronJobV1(group_name='G', job_id='J1', name='n', request_url='JOB@mail',
                        exec_command='{"to": "a@b.c"}', interval_pattern='@every 1s', timeout=5)
        executor.validate(job)
        planned = 1_700_000_000_000
        first = executor.execute(CronExecution(job, None, planned, None))
        time.sleep(0.01)
        second = executor.execute(CronExecution(job, None, planned, None))
        third = executor.execute(CronExecution(job, None, planned + 1000, None))
        assert first.ok and second.ok and third.ok
        a, b, c = (json.loads(r.output) for r in (first, second, third))
        assert a['ref_id'] == 'G:J1:2023-11-14T22:13:20.000Z' == ref_id_of(job, planned)
        assert b['job_id'] == a['job_id'] and b['existing'] is True and a['existing'] is False
        assert c['job_id'] != a['job_id']
        assert controller.get_jobs(None, None, None).data.__len__() == 2
        # the lock outlives the job (unique until ttl, a day): a tick repeated after a worker finished
        # its job is still not enqueued again
        taken = controller.start_job_by_id(None, a['job_id'])
        controller.complete_job(None, taken.id, {'done': True}, taken.lease_token)
        again = json.loads(executor.execute(CronExecution(job, None, planned, None)).output)
        assert again['job_id'] == a['job_id'] and again['existing'] is True
        assert controller.get_jobs(None, None, None).data.__len__() == 2
        stored = controller.get_job_by_id(None, a['job_id'])
        assert stored.status == 'done' and stored.unique_until == 'ttl'
    finally:
        controller.close(None)


def test_without_a_jobs_controller_a_stored_job_fails_its_runs():
    job = CronJobV1(group_name='G', job_id='J1', name='n', request_url='JOB@mail', exec_command='',
                    interval_pattern='@every 1s', timeout=5)
    with pytest.raises(ValueError, match='jobs domain'):
        JobExecutor(None).validate(job)
    result = JobExecutor(None).execute(CronExecution(job, None, 0, None))
    assert not result.ok and 'jobs domain' in result.error


def test_one_tick_fired_by_many_threads_of_two_processes_enqueues_once_on_mongodb(mongo_uri):
    """Two jobs controllers, each on its own MongoDB persistence (as two processes), one database:
    the same tick executed by 16 threads at once makes one job (the unique uniq_key index)."""
    database = unique_name('cronjobrace')
    persistences = []
    for _ in range(2):
        persistence = JobsMongoDbPersistence()
        persistence.configure(ConfigParams.from_tuples('connection.uri', mongo_uri, 'connection.database', database))
        persistences.append(persistence)
    controllers = [_jobs_controller(p) for p in persistences]
    try:
        executors = [JobExecutor(c) for c in controllers]
        job = CronJobV1(group_name='G', job_id='J1', name='n', request_url='JOB@race', exec_command='{}',
                        interval_pattern='@every 1s', timeout=5)
        for tick in range(3):
            planned = 1_700_000_000_000 + tick * 1000
            barrier = threading.Barrier(16)

            def fire(i, barrier=barrier, planned=planned):
                barrier.wait()
                return json.loads(executors[i % 2].execute(CronExecution(job, None, planned, None)).output)

            with ThreadPoolExecutor(16) as pool:
                outputs = list(pool.map(fire, range(16)))
            assert len({o['job_id'] for o in outputs}) == 1, outputs
        page = controllers[0].get_jobs(None, None, None)
        assert sorted(j.ref_id for j in page.data) == [f'G:J1:2023-11-14T22:13:{s}.000Z' for s in (20, 21, 22)]
    finally:
        for controller, persistence in zip(controllers, persistences):
            controller.close(None)
            persistence.close(None)
