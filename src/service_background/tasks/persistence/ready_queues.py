"""ReadyQueues, the memory store's per-namespace queues of capturable tasks, oldest updated first."""
from collections import OrderedDict
from typing import Dict, Hashable, Iterator, List, Optional


class ReadyQueues:
    """An OrderedDict per namespace: taking the head, appending and removing are O(1), so capture costs the
    same with 1k or 1M tasks in a namespace. Tasks enter a queue stamped with the current time, so an
    append keeps the order; an older stamp (a clock step back, a test's data) is moved into place."""

    def __init__(self):
        self._queues: Dict[str, 'OrderedDict[Hashable, int]'] = {}

    def clear(self):
        self._queues = {}

    def add(self, namespace_id: str, key: Hashable, updated_at: int):
        queue = self._queues.get(namespace_id)
        if queue is None:
            queue = self._queues[namespace_id] = OrderedDict()
        queue.pop(key, None)
        queue[key] = updated_at
        later: List[Hashable] = []
        for other in reversed(queue):
            if other == key:
                continue
            if queue[other] <= updated_at:
                break
            later.append(other)
        for other in reversed(later):
            queue.move_to_end(other)

    def remove(self, namespace_id: str, key: Hashable):
        queue = self._queues.get(namespace_id)
        if queue is not None:
            queue.pop(key, None)
            if not queue:
                del self._queues[namespace_id]

    def drop_namespace(self, namespace_id: str):
        self._queues.pop(namespace_id, None)

    def first(self, namespace_id: str) -> Optional[Hashable]:
        queue = self._queues.get(namespace_id)
        return next(iter(queue)) if queue else None

    def keys(self, namespace_id: str) -> Iterator[Hashable]:
        return iter(list(self._queues.get(namespace_id, ())))
