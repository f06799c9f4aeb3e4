"""The job logs stores on memory, file, MongoDB and PostgreSQL: order, paging, the line and byte bounds with
their dropped counts, many jobs in one call, removal, the sweep's pages, concurrent appends, and the file
store across a restart."""
import threading

from pip_services3_commons.config import ConfigParams

from service_background.jobs.data.version1.job_log_line_v1 import MAX_BYTES, MAX_LINES, MAX_MESSAGE_BYTES
from service_background.jobs.persistence import (
    JobLogsFilePersistence,
    JobLogsMemoryPersistence,
    JobLogsMongoDbPersistence,
    JobLogsPostgresPersistence,
)

from ..helpers import persistence_fixture

logs = persistence_fixture({'memory': JobLogsMemoryPersistence, 'file': JobLogsFilePersistence,
                            'mongodb': JobLogsMongoDbPersistence, 'postgres': JobLogsPostgresPersistence}, 'job_logs')

TIME = '2026-01-02T03:04:05.678Z'


def lines(start: int, count: int, message: str = 'line') -> list:
    return [{'time': TIME, 'level': 'info', 'message': f'{message} {i}'} for i in range(start, start + count)]


def messages(log: dict) -> list:
    return [line['message'] for line in log['lines']]


def test_lines_kept_in_order_and_paged(logs):
    assert logs.append(None, {'a': lines(0, 3)}) == {'a': 3}
    assert logs.append(None, {'a': lines(3, 2)}) == {'a': 5}
    log = logs.get_log(None, 'a', 0, 100)
    assert log == {'job_id': 'a', 'total': 5, 'dropped': 0,
                   'lines': [{'time': TIME, 'level': 'info', 'message': f'line {i}'} for i in range(5)]}
    assert messages(logs.get_log(None, 'a', 1, 2)) == ['line 1', 'line 2']
    assert messages(logs.get_log(None, 'a', 4, 10)) == ['line 4']
    assert logs.get_log(None, 'a', 9, 10) == {'job_id': 'a', 'lines': [], 'total': 5, 'dropped': 0}
    assert logs.get_log(None, 'a', 0, 0)['lines'] == []
    assert logs.get_log(None, 'unknown', 0, 100) == {'job_id': 'unknown', 'lines': [], 'total': 0, 'dropped': 0}


def test_the_oldest_lines_past_the_line_bound_are_dropped_and_counted(logs):
    assert logs.append(None, {'a': lines(0, 600)}) == {'a': 600}
    assert logs.append(None, {'a': lines(600, 600)}) == {'a': MAX_LINES}
    log = logs.get_log(None, 'a', 0, 1000)
    assert (log['total'], log['dropped']) == (MAX_LINES, 200)
    assert messages(log) == [f'line {i}' for i in range(200, 1200)]
    assert logs.append(None, {'a': lines(1200, 1000)}) == {'a': MAX_LINES}  # a call filling the bound alone
    log = logs.get_log(None, 'a', 998, 10)
    assert (log['total'], log['dropped'], messages(log)) == (MAX_LINES, 1200, ['line 2198', 'line 2199'])
    assert messages(logs.get_log(None, 'a', 0, 1))[0] == 'line 1200'


def test_the_oldest_lines_past_the_byte_bound_are_dropped_and_counted(logs):
    per_line = MAX_BYTES // 32  # 32 such lines fill the bound exactly
    big = [{'time': TIME, 'level': 'warn', 'message': f'{i:04d}' + 'é' * ((per_line - 4) // 2)} for i in range(40)]
    assert logs.append(None, {'a': big[:20]}) == {'a': 20}
    assert logs.append(None, {'a': big[20:]}) == {'a': 32}
    log = logs.get_log(None, 'a', 0, 1000)
    assert (log['total'], log['dropped']) == (32, 8)
    assert [m[:4] for m in messages(log)] == [f'{i:04d}' for i in range(8, 40)]
    assert log['lines'][0] == big[8]  # multi-byte text comes back whole
    assert logs.append(None, {'b': big}) == {'b': 32}  # one call past the bound
    log = logs.get_log(None, 'b', 0, 1000)
    assert (log['total'], log['dropped'], messages(log)[0][:4]) == (32, 8, '0008')
    assert logs.append(None, {'b': [{'time': TIME, 'level': 'info', 'message': 'x' * MAX_MESSAGE_BYTES}]}) == {'b': 32}
    assert logs.get_log(None, 'b', 0, 1000)['dropped'] == 9


def test_many_jobs_in_one_call(logs):
    logs.append(None, {'a': lines(0, 2)})
    assert logs.append(None, {'a': lines(2, 3), 'b': lines(0, 1), 'c': []}) == {'a': 5, 'b': 1, 'c': 0}
    assert messages(logs.get_log(None, 'a', 0, 100)) == [f'line {i}' for i in range(5)]
    assert messages(logs.get_log(None, 'b', 0, 100)) == ['line 0']
    assert logs.append(None, {'a': []}) == {'a': 5}
    assert logs.get_job_ids(None, None, 10) == ['a', 'b']


def test_remove_clear_and_the_pages_of_job_ids(logs):
    ids = [f'job-{i:02d}' for i in range(7)]
    logs.append(None, {job_id: lines(0, 2) for job_id in reversed(ids)})
    assert logs.get_job_ids(None, None, 3) == ids[:3]
    assert logs.get_job_ids(None, ids[2], 3) == ids[3:6]
    assert logs.get_job_ids(None, ids[5], 3) == ids[6:]
    assert logs.get_job_ids(None, ids[6], 3) == []
    logs.delete_by_job_ids(None, [ids[0], ids[3], 'unknown'])
    assert logs.get_job_ids(None, None, 10) == [ids[1], ids[2], ids[4], ids[5], ids[6]]
    assert logs.get_log(None, ids[0], 0, 10)['total'] == 0
    assert logs.get_log(None, ids[1], 0, 10)['total'] == 2
    assert logs.append(None, {ids[0]: lines(5, 1)}) == {ids[0]: 1}  # a log begun again starts afresh
    assert logs.get_log(None, ids[0], 0, 10)['dropped'] == 0
    logs.clear(None)
    assert logs.get_job_ids(None, None, 10) == []
    assert logs.get_log(None, ids[1], 0, 10)['total'] == 0


def test_concurrent_appends_to_one_job_keep_every_line_once(logs):
    def writer(w: int):
        for call in range(15):
            logs.append(None, {'a': lines(call * 10, 10, f'w{w}'), f'own-{w}': lines(call, 1)})
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    log = logs.get_log(None, 'a', 0, 1000)
    assert (log['total'], log['dropped']) == (600, 0)
    assert len(set(messages(log))) == 600
    for w in range(4):  # each writer's lines in its own order
        mine = [m for m in messages(log) if m.startswith(f'w{w} ')]
        assert mine == [f'w{w} {i}' for i in range(150)]
        assert logs.get_log(None, f'own-{w}', 0, 100)['total'] == 15


def test_the_file_store_keeps_logs_across_a_restart(tmp_path):
    config = ConfigParams.from_tuples('path', str(tmp_path / 'job_logs.json'))

    def opened():
        store = JobLogsFilePersistence()
        store.configure(config)
        store.open(None)
        return store
    store = opened()
    store.append(None, {'a': lines(0, 700), 'b': lines(0, 3)})
    store.append(None, {'a': lines(700, 400)})
    store.delete_by_job_ids(None, ['b'])
    before = store.get_log(None, 'a', 0, 1000)
    store.close(None)
    store = opened()
    try:
        after = store.get_log(None, 'a', 0, 1000)
        assert after == before and (after['total'], after['dropped']) == (MAX_LINES, 100)
        assert store.get_job_ids(None, None, 10) == ['a']
        assert store.append(None, {'a': lines(1100, 1)}) == {'a': MAX_LINES}
        assert store.get_log(None, 'a', 999, 1)['lines'][0]['message'] == 'line 1100'
        assert store.get_log(None, 'a', 0, 1)['lines'][0]['message'] == 'line 101'
    finally:
        store.close(None)
