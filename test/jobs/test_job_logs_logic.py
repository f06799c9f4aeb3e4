"""JobLogs, the job logs component, wired to a real store by its descriptors: lines checked and filled in
(400 BAD_LINES), messages cut, pages checked, removal, and the sweep walking its pages across calls."""
from datetime import datetime, timedelta, timezone

import pytest
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor

from service_background.jobs.data.version1.job_log_line_v1 import MAX_MESSAGE_BYTES
from service_background.jobs.logic.job_logs import JobLogs
from service_background.jobs.persistence import JobLogsFilePersistence, JobLogsMemoryPersistence

from ..helpers import wire


def make_logs(persistence=None, **options) -> JobLogs:
    logs = JobLogs()
    logs.configure(ConfigParams.from_tuples(*[item for name, value in options.items()
                                              for item in ('options.' + name, value)]))
    wire(Descriptor('service-background-jobs', 'persistence-logs', 'memory', 'default', '1.0'),
         persistence or JobLogsMemoryPersistence(),
         Descriptor('service-background-jobs', 'logs', 'default', 'default', '1.0'), logs)
    return logs


def refused(code: str, call, *args):
    with pytest.raises(BadRequestException) as error:
        call(None, *args)
    assert error.value.code == code
    return error.value


@pytest.mark.parametrize('lines_by_job', [
    ['not per job'],
    {'a': 'not a list'},
    {'a': ['not an object']},
    {'a': [{'level': 'info'}]},
    {'a': [{'message': 5}]},
    {'a': [{'message': 'm', 'level': 'x' * 17}]},
    {'a': [{'message': 'm', 'level': ''}]},
    {'a': [{'message': 'm', 'level': 3}]},
    {'a': [{'message': 'm', 'time': 'yesterday'}]},
    {'a': [{'message': 'm', 'time': 1700000000000}]},
    {'a': [{'message': 'm'}] * 1001},
    {f'job-{i}': [{'message': 'm'}] * 1000 for i in range(11)},
])
def test_malformed_lines_are_refused_and_nothing_is_kept(lines_by_job):
    logs = make_logs()
    refused('BAD_LINES', logs.append, lines_by_job)
    assert logs.get_log(None, 'a', None, None)['total'] == 0


def test_lines_are_filled_in_and_cut():
    logs = make_logs()
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    long = 'ab' + 'é' * MAX_MESSAGE_BYTES  # cut inside a two-byte character: the whole character goes
    assert logs.append(None, {'a': [{'message': 'plain'},
                                    {'message': 'at', 'level': 'error', 'time': '2026-01-02T03:04:05+02:00'},
                                    {'message': long, 'level': 'x' * 16},
                                    {'message': 'nul\x00byte'}]}) == {'a': 4}
    lines = logs.get_log(None, 'a', None, None)['lines']
    assert lines[0]['level'] == 'info' and lines[0]['message'] == 'plain'
    assert before <= datetime.fromisoformat(lines[0]['time']) <= datetime.now(timezone.utc)
    assert lines[1] == {'time': '2026-01-02T01:04:05.000Z', 'level': 'error', 'message': 'at'}
    assert lines[2]['message'] == long[:2 + (MAX_MESSAGE_BYTES - 2) // 2]
    assert len(lines[2]['message'].encode('utf-8')) == MAX_MESSAGE_BYTES
    assert lines[3]['message'] == 'nul\ufffdbyte'


def test_pages_are_checked():
    logs = make_logs()
    logs.append(None, {'a': [{'message': f'line {i}'} for i in range(1000)]})
    logs.append(None, {'a': [{'message': 'one more'}]})
    page = logs.get_log(None, 'a', None, None)
    assert (len(page['lines']), page['total'], page['dropped']) == (100, 1000, 1)
    assert page['lines'][0]['message'] == 'line 1'
    assert len(logs.get_log(None, 'a', 0, 1000)['lines']) == 1000
    assert logs.get_log(None, 'a', 999, 5)['lines'][0]['message'] == 'one more'
    for skip, take, code in [(-1, 10, 'BAD_SKIP'), ('0', 10, 'BAD_SKIP'), (0, 1001, 'BAD_TAKE'),
                             (0, -1, 'BAD_TAKE'), (0, 2.5, 'BAD_TAKE'), (0, True, 'BAD_TAKE')]:
        refused(code, logs.get_log, 'a', skip, take)


def test_remove_and_clear():
    logs = make_logs()
    logs.append(None, {'a': [{'message': 'm'}], 'b': [{'message': 'm'}], 'c': [{'message': 'm'}]})
    logs.remove(None, ['a', 'unknown'])
    logs.remove(None, [])
    assert [logs.get_log(None, job_id, 0, 10)['total'] for job_id in 'abc'] == [0, 1, 1]
    logs.clear(None)
    assert [logs.get_log(None, job_id, 0, 10)['total'] for job_id in 'abc'] == [0, 0, 0]


def test_the_sweep_removes_logs_of_gone_jobs_a_bounded_number_of_pages_per_call():
    logs = make_logs(sweep_page=3, sweep_pages=2)
    ids = [f'job-{i:02d}' for i in range(10)]
    logs.append(None, {job_id: [{'message': 'm'}] for job_id in ids})
    alive = {'job-01', 'job-04', 'job-08'}
    asked = []

    def existing(page):
        asked.append(list(page))
        return alive & set(page)
    assert logs.sweep(None, existing) == 4  # two pages of three: job-00, 02, 03, 05
    assert asked == [ids[0:3], ids[3:6]]
    assert logs.sweep(None, existing) == 3  # goes on where it stopped: job-06, 07, 09; a short page ends a round
    assert asked[2:] == [ids[6:9], ids[9:]]
    remaining = [job_id for job_id in ids if logs.get_log(None, job_id, 0, 1)['total']]
    assert remaining == sorted(alive)
    alive.discard('job-04')
    assert logs.sweep(None, existing) == 1  # a new round from the first
    assert asked[4:] == [['job-01', 'job-04', 'job-08']]
    assert logs.sweep(None, lambda page: set(page)) == 0


def test_a_file_store_behind_the_component_keeps_what_was_appended(tmp_path):
    def file_store():
        store = JobLogsFilePersistence()
        store.configure(ConfigParams.from_tuples('path', str(tmp_path / 'job_logs.json')))
        return store
    store = file_store()
    logs = make_logs(store)
    fsyncs = store.journal.fsync_count
    assert logs.append(None, {'a': [{'message': 'one'}], 'b': [{'message': 'two'}] * 3}) == {'a': 1, 'b': 3}
    assert store.journal.fsync_count == fsyncs + 1  # the whole call was one journal write
    store.close(None)
    logs = make_logs(file_store())
    assert [line['message'] for line in logs.get_log(None, 'b', 0, 10)['lines']] == ['two'] * 3
