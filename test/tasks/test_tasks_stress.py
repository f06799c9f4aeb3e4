"""8 workers capture (limit 10) and release done until the namespace is drained: every task is
captured exactly once, and never held by two workers at the same time, on every persistence."""
import threading

from service_background.tasks.data.version1 import NamespaceV1, TaskV1

SIZES = {'memory': 10_000, 'file': 10_000, 'mongodb': 1_000, 'postgres': 1_000}
THREADS = 8
LIMIT = 10


def test_concurrent_capture_and_release(persistence, request):
    kind = request.node.callspec.params['persistence']
    size = SIZES[kind]
    persistence.create_namespace(None, NamespaceV1('stress'))
    persistence.create_namespace(None, NamespaceV1('bystander'))
    for i in range(size):
        persistence.create_task(None, TaskV1(id=f'task{i:05d}', namespace_id='stress', updated_at=i // 100))
    persistence.create_task(None, TaskV1(id='other', namespace_id='bystander'))

    guard = threading.Lock()
    held = set()
    captures = {}
    errors = []

    def worker(n):
        try:
            while True:
                batch = persistence.capture_tasks(None, 'stress', LIMIT, 1000 + n)
                if not batch:
                    return
                ids = [t.id for t in batch]
                with guard:
                    both = held.intersection(ids)
                    if both or len(set(ids)) != len(ids):
                        errors.append(f'held twice: {sorted(both)}')
                    held.update(ids)
                    for id in ids:
                        captures[id] = captures.get(id, 0) + 1
                assert all(t.status == 'in_progress' and t.retries_left == 4 for t in batch)
                with guard:
                    held.difference_update(ids)  # drop before release: the release may let others take them
                result = persistence.release_tasks(None, ids, 'done', 2000 + n)
                assert result.not_found == [] and len(result.list) == len(ids)
        except Exception as ex:  # surfaced below: a thread's assert would be lost
            errors.append(repr(ex))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=240)
    assert not any(th.is_alive() for th in threads)
    assert errors == []
    assert len(captures) == size and set(captures.values()) == {1}
    tasks = persistence.get_tasks(None, 'stress')
    assert len(tasks) == size and all(t.status == 'done' and t.retries_left == 4 for t in tasks)
    assert persistence.get_task(None, 'other').status == 'idle'
