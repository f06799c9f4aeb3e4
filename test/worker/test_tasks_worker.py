"""TasksWorker in process against the real container: captures in batches, releases done/failed."""
import time
from collections import Counter

from service_background.tasks.clients.version1 import TasksHttpClientV1
from service_background.worker import TasksWorker

from ..helpers import open_http_client, unique_name
from .conftest import wait_until


def test_tasks_released_done_or_failed_and_retried_by_the_service(service):
    tasks = open_http_client(TasksHttpClientV1, service)
    namespace = unique_name('ns')
    tasks.create_namespace(None, {'id': namespace})
    ids = [f'{namespace}-{i}' for i in range(40)]
    for task_id in ids:
        tasks.create_task(None, {'id': task_id, 'namespace_id': namespace, 'retries_left': 2, 'timeout': 60})
    calls = Counter()

    def run(task):
        calls[task.id] += 1
        if int(task.id.rsplit('-', 1)[1]) % 2:
            raise RuntimeError('odd')

    worker = TasksWorker(service, concurrency=8, poll_interval=0.1)
    worker.handle(namespace, run)
    worker.open(None)
    try:
        def settled():
            listed = {t.id: t for t in tasks.get_tasks(None, namespace)}
            return all(t.status == 'done' or (t.status == 'failed' and t.retries_left == 0)
                       for t in listed.values()) and listed
        listed = wait_until(settled, 20, 0.1, 'every task settled')
    finally:
        worker.close(None)
    for i, task_id in enumerate(ids):
        if i % 2:
            assert listed[task_id].status == 'failed' and calls[task_id] == 2, 'captured again while retries left'
        else:
            assert listed[task_id].status == 'done' and calls[task_id] == 1
    assert worker.stats['done'] == 20 and worker.stats['failed'] == 40
    assert worker.stats['captured'] == 60


def test_idle_tasks_worker_polls_at_its_interval(service):
    tasks = open_http_client(TasksHttpClientV1, service)
    namespace = unique_name('idle')
    tasks.create_namespace(None, {'id': namespace})
    worker = TasksWorker(service, concurrency=4, poll_interval=0.5)
    worker.handle(namespace, lambda task: None)
    worker.open(None)
    try:
        wait_until(lambda: worker.client is not None and worker.client.requests >= 1, 5, what='first capture')
        before = worker.client.requests
        time.sleep(1.6)  # the quantity under test is requests per unit of idle time
        idle_requests = worker.client.requests - before
    finally:
        worker.close(None)
    assert idle_requests <= 5
