"""The tasks store in memory: tasks and namespaces, indexed for capture and for the sweeper."""
from typing import Dict, List, Optional, Set

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import ConflictException
from pip_services3_commons.refer import IReferences

from service_background.common.data.ids import random_hex
from service_background.common.persistence.file_journal import FileJournal
from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskStatusV1, TaskV1
from service_background.tasks.persistence.i_tasks_persistence import ITasksPersistence
from service_background.tasks.persistence.ready_queues import ReadyQueues


class TasksMemoryPersistence(MemoryPersistence, ITasksPersistence):
    """Tasks in this store, namespaces in a second store that shares its lock (so a task is never
    added to a namespace being removed). Indexes kept by the save/delete hooks: tasks per namespace,
    a ready queue per namespace (capture), the tasks in progress (sweeper)."""

    def __init__(self, namespaces_journal: Optional[FileJournal] = None):
        super().__init__(TaskV1)
        self._namespaces = MemoryPersistence(NamespaceV1, lock=self._lock, journal=namespaces_journal)
        self._by_namespace: Dict[str, Set[str]] = {}
        self._ready = ReadyQueues()
        self._in_progress: Set[str] = set()

    # --- lifecycle: both stores -------------------------------------------------------------
    def configure(self, config: ConfigParams):
        super().configure(config)
        self._namespaces.configure(config)

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._namespaces.set_references(references)

    def open(self, correlation_id: Optional[str]):
        with self._lock:
            self._namespaces.open(correlation_id)
            super().open(correlation_id)

    def close(self, correlation_id: Optional[str]):
        with self._lock:
            super().close(correlation_id)
            self._namespaces.close(correlation_id)

    def clear(self, correlation_id: Optional[str]):
        with self._lock:
            super().clear(correlation_id)
            self._namespaces.clear(correlation_id)

    # --- indexes ------------------------------------------------------------------------------
    def _on_loaded(self):
        self._by_namespace = {}
        self._ready.clear()
        self._in_progress = set()
        for task in sorted(self._items.values(), key=lambda t: (t.updated_at, t.id)):
            self._index(task)

    def _index(self, task: TaskV1):
        self._by_namespace.setdefault(task.namespace_id, set()).add(task.id)
        if task.is_ready():
            self._ready.add(task.namespace_id, task.id, task.updated_at)
        elif task.status == TaskStatusV1.InProgress:
            self._in_progress.add(task.id)

    def _unindex(self, task: TaskV1):
        ids = self._by_namespace.get(task.namespace_id)
        if ids is not None:
            ids.discard(task.id)
            if not ids:
                del self._by_namespace[task.namespace_id]
        self._ready.remove(task.namespace_id, task.id)
        self._in_progress.discard(task.id)

    def _on_saved(self, old: Optional[TaskV1], new: TaskV1):
        if old is not None:
            self._unindex(old)
        self._index(new)

    def _on_deleted(self, old: TaskV1):
        self._unindex(old)

    # --- namespaces -------------------------------------------------------------------------
    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return self._namespaces.get_list_by_filter(correlation_id, sort=lambda n: n.id)

    def get_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        return self._namespaces.get_one_by_id(correlation_id, id)

    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        with self._lock:
            if self._namespaces.get_one_by_id(correlation_id, namespace.id) is not None:
                raise ConflictException(correlation_id, 'NAMESPACE_EXISTS',
                                        f'Namespace {namespace.id} already exists').with_details('id', namespace.id)
            return self._namespaces.create(correlation_id, namespace)

    def delete_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        with self._lock:
            deleted = self._namespaces.delete_by_id(correlation_id, id)
            for task_id in list(self._by_namespace.get(id, ())):
                self._remove(task_id)
            self._ready.drop_namespace(id)
            return deleted

    # --- tasks ------------------------------------------------------------------------------
    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        with self._lock:
            tasks = [self._items[id] for id in self._by_namespace.get(namespace_id, ())]
            tasks.sort(key=lambda t: (t.updated_at, t.id))
            return [t.clone() for t in tasks]

    def get_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]:
        return self.get_one_by_id(correlation_id, id)

    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        with self._lock:
            if task.id in self._items:
                raise ConflictException(correlation_id, 'TASK_EXISTS',
                                        f'Task {task.id} already exists').with_details('id', task.id)
            return self.create(correlation_id, task)

    def delete_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]:
        return self.delete_by_id(correlation_id, id)

    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int,
                      now: int) -> List[TaskV1]:
        captured = []
        with self._lock:
            while len(captured) < limit:
                id = self._ready.first(namespace_id)
                if id is None:
                    break
                task = self._items[id].clone()
                task.status = TaskStatusV1.InProgress
                task.retries_left -= 1
                task.updated_at = now
                task.lease_token = random_hex(12)
                captured.append(self._store(task))  # the hook takes it off the ready queue
        return captured

    def release_tasks(self, correlation_id: Optional[str], ids: List[str], status: str,
                      now: int, lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        result = TasksReleaseV1()
        with self._lock:  # every fence checked before any write: all or nothing
            lost = [id for id, token in (lease_tokens or {}).items()
                    if token is not None and id in self._items and self._items[id].lease_token != token]
            if lost:
                raise ConflictException(correlation_id, 'LEASE_LOST',
                                        f'Tasks no longer held with these leases: {", ".join(lost[:20])}') \
                    .with_details('task_ids', lost)
            for id in ids:
                stored = self._items.get(id)
                if stored is None:
                    result.not_found.append(id)
                    continue
                task = stored.clone()
                task.status = status
                task.updated_at = now
                task.lease_token = None
                result.list.append(self._store(task))
        return result

    def sweep(self, correlation_id: Optional[str], now: int) -> int:
        changed = 0
        with self._lock:
            for id in list(self._in_progress):
                task = self._items[id]
                if now - task.updated_at <= task.timeout:
                    continue
                task = task.clone()
                task.status = TaskStatusV1.Idle if task.retries_left > 0 else TaskStatusV1.Failed
                task.updated_at = now
                task.lease_token = None  # under the lock: the state and lease checked above still hold
                self._store(task)
                changed += 1
        return changed
