"""One persistence fixture for tasks (conftest.py), run on memory, file and MongoDB."""
import pytest
from pip_services3_commons.errors import ConflictException

from service_background.tasks.data.version1 import NamespaceV1, TaskStatusV1, TaskV1


def _task(id, ns='ns', updated_at=100, status='idle', retries=5, timeout=360):
    return TaskV1(id=id, namespace_id=ns, timeout=timeout, retries_left=retries, updated_at=updated_at,
                  status=status)


def _seed(p, *tasks, namespaces=('ns',)):
    for ns in namespaces:
        p.create_namespace(None, NamespaceV1(ns))
    for task in tasks:
        p.create_task(None, task)


def test_namespaces_create_list_read_delete(persistence):
    persistence.create_namespace(None, NamespaceV1('b'))
    persistence.create_namespace(None, NamespaceV1('a'))
    assert [n.id for n in persistence.get_namespaces(None)] == ['a', 'b']
    assert persistence.get_namespace(None, 'a') == NamespaceV1('a')
    assert persistence.get_namespace(None, 'zz') is None
    with pytest.raises(ConflictException):
        persistence.create_namespace(None, NamespaceV1('a'))
    assert persistence.delete_namespace(None, 'a').id == 'a'
    assert persistence.delete_namespace(None, 'a') is None
    assert [n.id for n in persistence.get_namespaces(None)] == ['b']


def test_deleting_a_namespace_removes_only_its_tasks(persistence):
    _seed(persistence, _task('a1', 'a'), _task('a2', 'a'), _task('b1', 'b'), namespaces=('a', 'b'))
    persistence.delete_namespace(None, 'a')
    assert persistence.get_task(None, 'a1') is None and persistence.get_task(None, 'a2') is None
    assert persistence.get_tasks(None, 'a') == []
    assert persistence.capture_tasks(None, 'a', 10, 200) == []
    assert [t.id for t in persistence.get_tasks(None, 'b')] == ['b1']


def test_tasks_create_read_list_delete(persistence):
    _seed(persistence, _task('t2', updated_at=20), _task('t1', updated_at=10), _task('t3', updated_at=20),
          _task('o1', 'other'), namespaces=('ns', 'other'))
    task = persistence.get_task(None, 't1')
    assert task == _task('t1', updated_at=10)
    assert [t.id for t in persistence.get_tasks(None, 'ns')] == ['t1', 't2', 't3']
    with pytest.raises(ConflictException):
        persistence.create_task(None, _task('t1', 'other'))
    assert persistence.delete_task(None, 't2').id == 't2'
    assert persistence.delete_task(None, 't2') is None
    assert persistence.get_task(None, 't2') is None
    assert [t.id for t in persistence.get_tasks(None, 'ns')] == ['t1', 't3']


def test_capture_takes_ready_tasks_oldest_first(persistence):
    _seed(persistence,
          _task('new', updated_at=30), _task('old', updated_at=10), _task('failed', updated_at=20, status='failed'),
          _task('no_retries', updated_at=1, retries=0), _task('failed_out', updated_at=1, status='failed', retries=0),
          _task('done', updated_at=1, status='done'), _task('busy', updated_at=1, status='in_progress'),
          _task('elsewhere', 'other', updated_at=1), namespaces=('ns', 'other'))
    first = persistence.capture_tasks(None, 'ns', 2, 500)
    assert [t.id for t in first] == ['old', 'failed']
    assert all(t.status == TaskStatusV1.InProgress and t.updated_at == 500 and t.retries_left == 4 for t in first)
    stored = persistence.get_task(None, 'old')
    assert (stored.status, stored.retries_left, stored.updated_at) == ('in_progress', 4, 500)
    assert [t.id for t in persistence.capture_tasks(None, 'ns', 10, 501)] == ['new']
    assert persistence.capture_tasks(None, 'ns', 10, 502) == []
    assert persistence.capture_tasks(None, 'nowhere', 10, 502) == []


def test_release_sets_status_and_reports_unknown_ids(persistence):
    _seed(persistence, _task('a', updated_at=1), _task('b', updated_at=2), _task('c', updated_at=3))
    persistence.capture_tasks(None, 'ns', 3, 100)
    result = persistence.release_tasks(None, ['a', 'ghost', 'b'], 'done', 200)
    assert [(t.id, t.status, t.updated_at) for t in result.list] == [('a', 'done', 200), ('b', 'done', 200)]
    assert result.not_found == ['ghost']
    persistence.release_tasks(None, ['c'], 'failed', 201)
    # a failed task with retries left is capturable again; done ones never are
    again = persistence.capture_tasks(None, 'ns', 10, 300)
    assert [(t.id, t.retries_left) for t in again] == [('c', 3)]
    persistence.release_tasks(None, ['c'], 'idle', 400)
    assert persistence.get_task(None, 'c').status == 'idle'
    assert [t.id for t in persistence.capture_tasks(None, 'ns', 10, 500)] == ['c']


def test_released_task_queues_behind_waiting_ones(persistence):
    _seed(persistence, _task('a', updated_at=1), _task('b', updated_at=2))
    persistence.capture_tasks(None, 'ns', 1, 100)
    persistence.release_tasks(None, ['a'], 'idle', 101)
    assert [t.id for t in persistence.capture_tasks(None, 'ns', 2, 102)] == ['b', 'a']


def test_sweep_returns_timed_out_tasks(persistence):
    _seed(persistence, _task('short', updated_at=1, timeout=10, retries=2), _task('last', updated_at=2, timeout=10,
                                                                                   retries=1),
          _task('long', updated_at=3, timeout=1000))
    assert len(persistence.capture_tasks(None, 'ns', 3, 100)) == 3
    assert persistence.sweep(None, 110) == 0  # exactly the timeout: not yet
    assert persistence.sweep(None, 111) == 2
    short, last, long = (persistence.get_task(None, id) for id in ('short', 'last', 'long'))
    assert (short.status, short.retries_left, short.updated_at) == ('idle', 1, 111)
    assert (last.status, last.retries_left) == ('failed', 0)
    assert long.status == 'in_progress'
    assert [t.id for t in persistence.capture_tasks(None, 'ns', 10, 112)] == ['short']
    assert persistence.sweep(None, 123) == 1
    assert persistence.get_task(None, 'short').status == 'failed'
    assert persistence.capture_tasks(None, 'ns', 10, 124) == []


def test_returned_objects_are_copies(persistence):
    _seed(persistence, _task('a'))
    task = persistence.get_task(None, 'a')
    task.status = 'done'
    captured = persistence.capture_tasks(None, 'ns', 1, 100)[0]
    captured.retries_left = 99
    assert persistence.get_task(None, 'a').retries_left == 4
    assert persistence.get_tasks(None, 'ns')[0].status == 'in_progress'
