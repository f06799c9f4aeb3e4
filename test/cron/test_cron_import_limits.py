"""Imports bounded by what they decode: a hostile archive is a 400 naming the limit it broke, and the
service's peak RSS grows by 64 MB at most whatever the archive; exports at the limits import back."""
import base64
import io
import json
import tarfile

import pytest
import requests

from service_background.common.data.bounded_json import JsonBudget, JsonLimitError, char_width
from service_background.cron.logic import cron_dump

from ..helpers import unique_name
from .service_process import ServiceProcess

MB = 1024 * 1024
MAX_GROWTH_MB = 64


def _archive(members) -> bytes:
    """members: (name, bytes) pairs, as regular files of a tar.gz."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _group_file(name: str, **extra) -> bytes:
    return json.dumps(dict({'group': {'group_name': name}, 'jobs': []}, **extra)).encode()


def _amplifying_member(name: str, size: int = 8 * MB - 4096) -> bytes:
    """``{"group": {...}, "jobs": [[],[],...]}`` of ``size`` bytes: millions of lists if parsed."""
    head = _group_file(name)[:-2]
    count = (size - len(head) - 2) // 3
    return head + b'[],' * (count - 1) + b'[]]}'


def _status_mb(pid: int, key: str) -> float:
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024
    raise AssertionError(f'no {key} for {pid}')


@pytest.fixture(scope='module')
def service():
    """A real service process on memory persistences: its RSS is its own, apart from the tests'."""
    process = ServiceProcess(MEMORY_ENABLED='true').start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


def _peak_growth_mb(service, send) -> tuple:
    """(the answer of ``send()``, how far the service's peak RSS rose above its RSS before it)."""
    pid = service.process.pid
    with open(f'/proc/{pid}/clear_refs', 'w') as refs:
        refs.write('5')  # resets VmHWM to the current RSS
    before = _status_mb(pid, 'VmRSS')
    answer = send()
    return answer, _status_mb(pid, 'VmHWM') - before


def _import(service, data: bytes, via_command: bool = False) -> requests.Response:
    if via_command:
        return requests.post(f'{service.url}/v1/cron/import_dump', json={'data': base64.b64encode(data).decode()},
                             timeout=120)
    return requests.post(f'{service.url}/v1/import', data=data, timeout=120)


def _groups(service) -> list:
    return requests.get(f'{service.url}/v1/group/list', timeout=10).json()


def _assert_refused(answer, limit):
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body['status'] == 400 and body['code'] == 'BAD_ARCHIVE' and body['message'], body
    assert body.get('details', {}).get('limit') == limit, body


@pytest.mark.parametrize('via_command', [False, True], ids=['tar.gz', 'import_dump'])
def test_the_amplifying_archive_is_a_400_within_64_mb(service, via_command):
    archive = _archive([(f'Amp{i}.json', _amplifying_member(f'Amp{i}')) for i in range(8)])
    assert len(archive) < 100 * 1024  # 64 MB of JSON in under 100 KB
    groups = _groups(service)
    answer, growth = _peak_growth_mb(service, lambda: _import(service, archive, via_command))
    _assert_refused(answer, 'values')
    print(f'amplifying archive via {"import_dump" if via_command else "tar.gz"}: peak RSS +{growth:.0f} MB')
    assert growth <= MAX_GROWTH_MB, f'peak RSS grew by {growth:.0f} MB'
    assert _groups(service) == groups
    _assert_round_trip(service)


def _assert_round_trip(service):
    """What export produces imports back, the same jobs."""
    name = unique_name('Rt')[:22]
    requests.post(f'{service.url}/v1/register/group', json={'group_name': name}, timeout=10).raise_for_status()
    job = {'group_name': name, 'name': 'kept', 'request_url': 'HTTP@http://127.0.0.1:9/x',
           'interval_pattern': '0 0 0 1 1 *', 'timeout': 2, 'memo': 'round trip'}
    requests.post(f'{service.url}/v1/add/job', json=job, timeout=10).raise_for_status()
    jobs = requests.get(f'{service.url}/v1/{name}/job/list', timeout=10).json()
    dump = requests.get(f'{service.url}/v1/{name}/dump', timeout=10).content
    requests.delete(f'{service.url}/v1/{name}/job/clear', timeout=10).raise_for_status()
    answer = _import(service, dump)
    assert answer.status_code == 200 and answer.json() == {'groups': 1, 'jobs': 1, 'funcs': 0}, answer.text
    again = requests.get(f'{service.url}/v1/{name}/job/list', timeout=10).json()
    assert [(j['job_id'], j['name'], j['memo']) for j in again] == [(j['job_id'], j['name'], j['memo'])
                                                                    for j in jobs]


def test_an_archive_just_under_every_limit_stays_within_64_mb(service):
    """The most an archive can make the service hold at once: values at their cap (a dict of
    distinct keys, the costliest value) and strings up to the byte cap, all inside job records, which
    are kept until the controller checks them (and refuses the first: it has no name)."""
    many = _group_file('Most0', jobs=[{f'k{i}': i for i in range((cron_dump.MAX_VALUES - 200) // 2)}])
    size = (cron_dump.MAX_TOTAL - len(many) - 64 * 1024) // 2
    archive = _archive([('Most0.json', many)] + [(f'Most{i}.json', _group_file(f'Most{i}', jobs=[{
        'memo': 'x' * (size - 80)}])) for i in (1, 2)])
    groups = _groups(service)
    answer, growth = _peak_growth_mb(service, lambda: _import(service, archive))
    assert answer.status_code == 400 and answer.json()['code'] == 'BAD_NAME', answer.text
    print(f'archive at every limit: peak RSS +{growth:.0f} MB')
    assert growth <= MAX_GROWTH_MB, f'peak RSS grew by {growth:.0f} MB'
    assert _groups(service) == groups


def _deep(levels: int) -> bytes:
    return _group_file('Deep', pad='@').replace(b'"@"', b'[' * levels + b']' * levels)


@pytest.mark.parametrize('members, limit', [
    ([('Deep.json', _deep(cron_dump.MAX_DEPTH))], 'depth'),
    ([('Many.json', _amplifying_member('Many', 3 * cron_dump.MAX_VALUES + 64))], 'values'),
    ([('Jobs.json', _group_file('Jobs', jobs=[{}] * (cron_dump.MAX_JOBS + 1)))], 'jobs'),
    ([(f'Big{i}.json', _group_file(f'Big{i}', pad=' ' * (6 * MB))) for i in range(3)], 'bytes'),
    ([('Wide.json', _group_file('Wide', pad='\U0001F600' + 'x' * (cron_dump.MAX_TOTAL // 4)))], 'bytes'),
    ([(f'M{i}.json', _group_file(f'M{i}')) for i in range(cron_dump.MAX_MEMBERS + 1)], 'members'),
], ids=['depth', 'values', 'jobs', 'bytes', 'wide_strings', 'members'])
def test_each_limit_is_a_400_that_names_it(service, members, limit):
    groups = _groups(service)
    _assert_refused(_import(service, _archive(members)), limit)
    assert _groups(service) == groups


def test_nesting_at_the_depth_limit_is_accepted(service):
    """The group file itself is one level: MAX_DEPTH - 1 more fit."""
    answer = _import(service, _archive([('Deep.json', _deep(cron_dump.MAX_DEPTH - 1))]))
    assert answer.status_code == 200, answer.text


def test_an_export_at_the_job_limit_imports_back(service):
    name = unique_name('Full')[:22]
    requests.post(f'{service.url}/v1/register/group', json={'group_name': name}, timeout=10).raise_for_status()
    job = {'group_name': name, 'name': 'one of many', 'request_url': 'HTTP@http://127.0.0.1:9/hook?x=1',
           'interval_pattern': '0 0 0 1 1 *', 'timeout': 2, 'memo': 'a memo', 'exec_command': 'echo hello'}
    requests.post(f'{service.url}/v1/add/job', json=job, timeout=10).raise_for_status()
    with tarfile.open(fileobj=io.BytesIO(requests.get(f'{service.url}/v1/{name}/dump', timeout=10).content)) as tar:
        entry = json.load(tar.extractfile(f'{name}.json'))
    record = dict(entry['jobs'][0], last_result={'status': 'ok', 'code': 200, 'error': None, 'duration_ms': 1.5,
                                                 'planned_time': '2026-01-01T00:00:00.000Z'})
    entry['jobs'] = [dict(record, job_id=f'j{i}') for i in range(cron_dump.MAX_JOBS)]
    requests.delete(f'{service.url}/v1/{name}/job/clear', timeout=10).raise_for_status()
    answer = _import(service, _archive([(f'{name}.json', json.dumps(entry).encode())]))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {'groups': 1, 'jobs': cron_dump.MAX_JOBS, 'funcs': 0}
    # the service's own export of all of them imports again, as a command too
    dump = requests.get(f'{service.url}/v1/{name}/dump', timeout=60).content
    answer = _import(service, dump, via_command=True)
    assert answer.status_code == 200 and answer.json()['jobs'] == cron_dump.MAX_JOBS, answer.text


# --- the measure taken before parsing ---------------------------------------------------------------------------
def test_strings_do_not_count_as_structure():
    budget = JsonBudget(max_bytes=MB, max_values=5, max_depth=2)  # 3 values, then 2
    assert budget.loads(b'{"a": "[[[[,,,,::::{{{{"}') == {'a': '[[[[,,,,::::{{{{'}
    assert budget.loads(b'["\\"]]]]\\\\"]') == ['"]]]]\\']
    with pytest.raises(JsonLimitError) as refused:
        budget.loads(b'[1, 2]')
    assert refused.value.limit == 'values'


def test_the_budget_spans_documents_and_depth_is_exact():
    budget = JsonBudget(max_bytes=64, max_values=100, max_depth=3)
    assert budget.loads(b'[[[]]]') == [[[]]]
    with pytest.raises(JsonLimitError) as refused:
        budget.loads(b'[[[[]]]]')
    assert refused.value.limit == 'depth'
    budget.loads(b'"' + b'x' * 50 + b'"')
    with pytest.raises(JsonLimitError) as refused:
        budget.loads(b'"' + b'x' * 10 + b'"')
    assert refused.value.limit == 'bytes'


@pytest.mark.parametrize('text, width', [
    (b'["plain"]', 1), ('["caf\u00e9"]'.encode(), 2), (b'["caf\\u00e9"]', 2),
    ('["\U0001F600"]'.encode(), 4), (b'["\\ud83d\\ude00"]', 4), (b'["\\uDBFF\\uDFFF"]', 4)])
def test_strings_are_charged_at_their_widest_character(text, width):
    assert char_width(text) == width
    widest = max(ord(c) for c in json.loads(text)[0])
    assert (1 if widest < 0x100 else 2 if widest < 0x10000 else 4) <= width  # how Python stores the string


def test_a_string_left_open_is_bad_json_in_linear_time():
    """Escaped quotes with no closing one: a scan that restarted at every quote would take hours."""
    with pytest.raises(ValueError) as refused:
        JsonBudget(max_bytes=8 * MB, max_values=10, max_depth=2).loads(b'["' + b'\\"' * (2 * MB))
    assert not isinstance(refused.value, JsonLimitError)
