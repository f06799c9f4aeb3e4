"""Dump -> clear -> import restores the same jobs; hostile or invalid archives change nothing."""
import gzip
import io
import json
import tarfile

import pyotp
import pytest
import requests

from .conftest import add_job

JOB_FIELDS = ('job_id', 'name', 'exec_time', 'request_url', 'interval_pattern', 'exec_command', 'timeout', 'memo',
              'active')


def _jobs(url, group):
    return sorted(({k: j[k] for k in JOB_FIELDS} for j in requests.get(f'{url}/v1/{group}/job/list',
                                                                       timeout=10).json()),
                  key=lambda j: j['job_id'])


def _tar(members) -> bytes:
    """members: (TarInfo-ish name, bytes or None, type)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = '/etc/passwd'
            info.size = len(data) if data is not None and kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if info.size else None)
    return buffer.getvalue()


def _group_file(name, jobs=None, **group):
    return json.dumps({'group': dict({'group_name': name, 'otp_secret': pyotp.random_base32()}, **group),
                       'jobs': jobs or []}).encode()


def test_dump_clear_import_round_trip(cron_url, target, group):
    name, secret = group
    add_job(cron_url, name, f'HTTP@{target.url}/dump', '0 0 0 1 1 *', job_id='keep_me', memo='first')
    paused = add_job(cron_url, name, f'HTTP@{target.url}/dump', '@every 1h', name='paused', exec_command='echo')
    requests.post(f'{cron_url}/v1/pause/job', json={'group_name': name, 'job_id': paused['job_id']}, timeout=10)
    before = _jobs(cron_url, name)
    r = requests.get(f'{cron_url}/v1/{name}/dump', timeout=10)
    assert r.status_code == 200 and r.headers['Content-Type'] == 'application/gzip'
    with tarfile.open(fileobj=io.BytesIO(r.content), mode='r:gz') as tar:
        assert tar.getnames() == [f'{name}.json']
    everything = requests.get(f'{cron_url}/v1/dump/all', timeout=10)
    with tarfile.open(fileobj=io.BytesIO(everything.content), mode='r:gz') as tar:
        assert f'{name}.json' in tar.getnames()
    assert requests.delete(f'{cron_url}/v1/{name}/job/clear', timeout=10).json() == {'deleted': 2}
    requests.post(f'{cron_url}/v1/remove/group', json={'group_name': name}, timeout=10).raise_for_status()
    # the documented curl: --data-binary to /import, no content type
    r = requests.post(f'{cron_url}/import', data=r.content, timeout=10)
    assert r.status_code == 200 and r.json() == {'groups': 1, 'jobs': 2, 'funcs': 0}
    assert _jobs(cron_url, name) == before
    restored = {j['job_id']: j for j in requests.get(f'{cron_url}/v1/{name}/job/list', timeout=10).json()}
    assert restored['keep_me']['next_run'] is not None and restored[paused['job_id']]['next_run'] is None
    # the group's OTP secret came back too: a dump of it has the same one
    again = requests.get(f'{cron_url}/v1/{name}/dump', timeout=10).content
    with tarfile.open(fileobj=io.BytesIO(again), mode='r:gz') as tar:
        assert json.load(tar.extractfile(f'{name}.json'))['group']['otp_secret'] == secret
    r = requests.post(f'{cron_url}/v1/import', data=again, timeout=10)  # importing twice replaces, no duplicates
    assert r.status_code == 200 and len(_jobs(cron_url, name)) == 2


def test_imported_jobs_fire(cron_url, target, group):
    name, _ = group
    job = {'job_id': 'imp1', 'name': 'imp', 'exec_time': 0, 'request_url': f'HTTP@{target.url}/imported',
           'interval_pattern': '@once', 'timeout': 2}
    r = requests.post(f'{cron_url}/v1/import', data=_tar([(f'{name}.json', _group_file(name, [job]),
                                                           tarfile.REGTYPE)]), timeout=10)
    assert r.status_code == 200
    assert len(target.wait_for('/imported', 1, job_id='imp1')) == 1


VALID = ('Newgroup1.json', None, tarfile.REGTYPE)


def _valid_member(name='Newgroup1'):
    return (f'{name}.json', _group_file(name), tarfile.REGTYPE)


# numbered ids: the archives' bytes differ between runs (gzip stamps the time), and workers must agree
@pytest.mark.parametrize('data', ids=(f'archive{i}' for i in range(1000)), argvalues=[
    b'',
    b'not gzip at all',
    gzip.compress(b'gzip but not a tar archive' * 100),
    _tar([_valid_member()])[:40],                                               # truncated
    _tar([_valid_member(), ('../evil.json', _group_file('evil'), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('/etc/evil.json', _group_file('evil'), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('sub/evil.json', _group_file('evil'), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('evil.json', None, tarfile.SYMTYPE)]),
    _tar([_valid_member(), ('evil.json', None, tarfile.LNKTYPE)]),
    _tar([_valid_member(), ('evil', None, tarfile.DIRTYPE)]),
    _tar([_valid_member(), ('evil.json', None, tarfile.FIFOTYPE)]),
    _tar([_valid_member(), ('Big.json', b' ' * (9 * 1024 * 1024), tarfile.REGTYPE)]),   # over the member cap
    _tar([_valid_member(), ('bad-name.json', _group_file('bad-name'), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('notes.txt', b'hello', tarfile.REGTYPE)]),
    _tar([_valid_member(), ('Broken.json', b'{not json', tarfile.REGTYPE)]),
    _tar([_valid_member(), ('List.json', b'[]', tarfile.REGTYPE)]),
    _tar([_valid_member(), ('Other.json', _group_file('Mismatch'), tarfile.REGTYPE)]),
    _tar([_valid_member(), _valid_member()]),                                   # the same group twice
    _tar([_valid_member(), ('Jobs1.json', _group_file('Jobs1', [{'job_id': 'x', 'name': 'x',
                                                                  'request_url': 'HTTP@http://a/',
                                                                  'interval_pattern': 'bad'}]), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('Jobs2.json', _group_file('Jobs2', [{'job_id': '../x', 'name': 'x',
                                                                  'request_url': 'HTTP@http://a/',
                                                                  'interval_pattern': '@once'}]), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('Jobs3.json', _group_file('Jobs3', [{'job_id': 'x', 'name': 'x',
                                                                  'request_url': 'LUA@',
                                                                  'interval_pattern': '@once'}]), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('Jobs4.json', _group_file('Jobs4', ['not an object']), tarfile.REGTYPE)]),
    _tar([_valid_member(), ('Jobs5.json', _group_file('Jobs5', otp_secret='not base32 !'), tarfile.REGTYPE)]),
    _tar([]),
])
def test_hostile_or_invalid_archives_are_400_and_import_nothing(cron_url, data):
    groups_before = requests.get(f'{cron_url}/v1/group/list', timeout=10).json()
    r = requests.post(f'{cron_url}/v1/import', data=data, timeout=30)
    assert r.status_code == 400, r.text
    assert r.json()['status'] == 400 and r.json()['message']
    assert requests.get(f'{cron_url}/v1/group/list', timeout=10).json() == groups_before
