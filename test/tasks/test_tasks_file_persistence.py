"""What only the file persistence promises: tasks, namespaces and the capture order survive a reopen."""
import os

from pip_services3_commons.config import ConfigParams

from service_background.tasks.data.version1 import NamespaceV1, TaskV1
from service_background.tasks.persistence import TasksFilePersistence

from ..helpers import open_file_persistence


def _open(path, **options):
    return open_file_persistence(TasksFilePersistence, path, **options)


def test_reopen_keeps_everything_and_the_ready_order(tmp_path):
    path = tmp_path / 'tasks.json'
    p = _open(path)
    p.create_namespace(None, NamespaceV1('ns'))
    p.create_namespace(None, NamespaceV1('gone'))
    for i, stamp in enumerate([30, 10, 20]):
        p.create_task(None, TaskV1(id=f't{i}', namespace_id='ns', updated_at=stamp))
    p.create_task(None, TaskV1(id='g', namespace_id='gone', updated_at=1))
    p.delete_namespace(None, 'gone')
    p.capture_tasks(None, 'ns', 1, 40)  # takes t1 (10)
    p.close(None)
    assert os.path.exists(tmp_path / 'tasks_namespaces.json')

    p = _open(path)
    assert [n.id for n in p.get_namespaces(None)] == ['ns']
    assert p.get_task(None, 'g') is None
    t1 = p.get_task(None, 't1')
    assert (t1.status, t1.retries_left, t1.updated_at) == ('in_progress', 4, 40)
    assert [t.id for t in p.capture_tasks(None, 'ns', 5, 50)] == ['t2', 't0']
    assert p.sweep(None, 40 + 361) == 1
    p.close(None)
    p = _open(path)
    assert p.get_task(None, 't1').status == 'idle'
    p.close(None)


def test_namespaces_path_can_be_set(tmp_path):
    p = TasksFilePersistence()
    p.configure(ConfigParams.from_tuples('path', str(tmp_path / 'a.json'),
                                         'namespaces_path', str(tmp_path / 'sub' / 'ns.json')))
    p.open(None)
    p.create_namespace(None, NamespaceV1('x'))
    p.close(None)
    assert os.path.exists(tmp_path / 'sub' / 'ns.json.journal') or os.path.exists(tmp_path / 'sub' / 'ns.json')
