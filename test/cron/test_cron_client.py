"""The commandable face: every command through CronHttpClientV1 against the real container."""
import pytest
from pip_services3_commons.errors import BadRequestException, ConflictException, NotFoundException

from service_background.cron.clients.version1 import CronHttpClientV1

from ..helpers import open_http_client, unique_name


@pytest.fixture
def client(cron_url):
    c = open_http_client(CronHttpClientV1, cron_url)
    yield c
    c.close(None)


def test_every_command_through_the_http_client(client, target):
    name = unique_name('c')[:22]
    assert client.get_version(None)['version']
    group = client.register_group(None, name)
    assert group.group_name == name and group.otp_secret and group.created.tzinfo is not None
    with pytest.raises(ConflictException):
        client.register_group(None, name)
    assert name in [g.group_name for g in client.get_groups(None)]
    assert client.get_group_info(None, name)['job_count'] == 0
    assert client.get_nodes(None, name) == []
    job = client.add_job(None, {'group_name': name, 'name': 'cli', 'request_url': f'HTTP@{target.url}/client',
                                'interval_pattern': '@once', 'timeout': 2})
    assert job.job_id and job.next_run.tzinfo is not None
    assert len(target.wait_for('/client', 1, job_id=job.job_id)) == 1
    runs = []
    for _ in range(50):
        runs = client.get_job_runs(None, name, job.job_id)
        if runs:
            break
        target.wait_for('/never', 1, timeout=0.1)
    assert runs[0].status == 'ok' and runs[0].code == 200 and runs[0].started.tzinfo is not None
    assert client.get_job(None, name, job.job_id).last_result['status'] == 'ok'
    edited = client.edit_job(None, {'group_name': name, 'job_id': job.job_id, 'memo': 'changed',
                                    'interval_pattern': '@daily'})
    assert edited.memo == 'changed' and edited.next_run is not None
    assert client.pause_job(None, name, job.job_id).active is False
    assert client.active_job(None, name, job.job_id, 0).active is True
    assert [j.job_id for j in client.get_jobs(None, name)] == [job.job_id]
    archive = client.dump(None, name)
    assert client.delete_job(None, name, job.job_id).job_id == job.job_id
    with pytest.raises(NotFoundException):
        client.get_job(None, name, job.job_id)
    assert client.import_dump(None, archive) == {'groups': 1, 'jobs': 1, 'funcs': 0}
    assert client.get_job(None, name, job.job_id).memo == 'changed'
    assert client.delete_jobs_by_name(None, name, 'cli') == {'deleted': 1}
    client.add_job(None, {'group_name': name, 'name': 'x', 'request_url': 'HTTP@http://127.0.0.1:9/',
                          'interval_pattern': '@yearly'})
    assert client.clear_jobs(None, name) == {'deleted': 1}
    with pytest.raises(BadRequestException):
        client.add_job(None, {'group_name': name, 'name': 'x', 'request_url': 'HTTP@http://127.0.0.1:9/',
                              'interval_pattern': 'nope'})
    with pytest.raises(BadRequestException):
        client.import_dump(None, b'junk')
    assert client.remove_group(None, name).group_name == name
    with pytest.raises(NotFoundException):
        client.get_group_info(None, name)
