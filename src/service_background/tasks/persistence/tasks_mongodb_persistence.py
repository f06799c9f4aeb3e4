"""The tasks store on MongoDB: every state change one atomic update."""
from typing import Dict, List, Optional

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import ConflictException
from pip_services3_commons.refer import IReferences
from pymongo.errors import DuplicateKeyError

from service_background.common.data.ids import random_hex
from service_background.common.persistence.mongodb_persistence import MongoDbPersistence
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskStatusV1, TaskV1
from service_background.tasks.persistence.i_tasks_persistence import ITasksPersistence

_READY = {'status': {'$in': list(TaskStatusV1.Capturable)}, 'retries_left': {'$gt': 0}}
_OLDEST_FIRST = [('updated_at', 1), ('_id', 1)]


class TasksMongoDbPersistence(MongoDbPersistence, ITasksPersistence):
    """Tasks in ``collection`` (default "tasks"), namespaces in ``namespaces_collection`` (default
    "tasks_namespaces"). Every state change is one find_one_and_update or update_many, so each task
    changes atomically and a capture cannot hand one task to two callers."""

    def __init__(self):
        super().__init__('tasks', TaskV1)
        self._namespaces = MongoDbPersistence('tasks_namespaces', NamespaceV1)

    def configure(self, config: ConfigParams):
        super().configure(config)
        ns_config = ConfigParams(config)
        ns_config.set_as_object('collection', config.get_as_string_with_default('namespaces_collection',
                                                                                 'tasks_namespaces'))
        self._namespaces.configure(ns_config)

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._namespaces.set_references(references)

    def open(self, correlation_id: Optional[str]):
        self._namespaces.open(correlation_id)
        super().open(correlation_id)

    def close(self, correlation_id: Optional[str]):
        super().close(correlation_id)
        self._namespaces.close(correlation_id)

    def clear(self, correlation_id: Optional[str]):
        super().clear(correlation_id)
        self._namespaces.clear(correlation_id)

    def _define_indexes(self):
        self._collection.create_index([('namespace_id', 1), ('status', 1), ('updated_at', 1)])
        self._collection.create_index([('namespace_id', 1), ('updated_at', 1)])
        self._collection.create_index([('status', 1), ('timeout', 1), ('updated_at', 1)])

    # --- namespaces -------------------------------------------------------------------------
    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return self._namespaces.get_list_by_filter(correlation_id, {}, sort=[('_id', 1)])

    def get_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        return self._namespaces.get_one_by_id(correlation_id, id)

    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        try:
            return self._namespaces.create(correlation_id, namespace)
        except DuplicateKeyError:
            raise ConflictException(correlation_id, 'NAMESPACE_EXISTS',
                                    f'Namespace {namespace.id} already exists').with_details('id', namespace.id)

    def delete_namespace(self, correlation_id: Optional[str], id: str) -> Optional[NamespaceV1]:
        deleted = self._namespaces.delete_by_id(correlation_id, id)
        self.delete_by_filter(correlation_id, {'namespace_id': id})
        return deleted

    # --- tasks ------------------------------------------------------------------------------
    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        return self.get_list_by_filter(correlation_id, {'namespace_id': namespace_id}, sort=_OLDEST_FIRST)

    def get_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]:
        return self.get_one_by_id(correlation_id, id)

    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        try:
            return self.create(correlation_id, task)
        except DuplicateKeyError:
            raise ConflictException(correlation_id, 'TASK_EXISTS',
                                    f'Task {task.id} already exists').with_details('id', task.id)

    def delete_task(self, correlation_id: Optional[str], id: str) -> Optional[TaskV1]:
        return self.delete_by_id(correlation_id, id)

    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int,
                      now: int) -> List[TaskV1]:
        query = dict(_READY, namespace_id=namespace_id)
        captured = []
        while len(captured) < limit:
            update = {'$set': {'status': TaskStatusV1.InProgress, 'updated_at': now,
                               'lease_token': random_hex(12)}, '$inc': {'retries_left': -1}}
            task = self.find_one_and_update(correlation_id, query, update, sort=_OLDEST_FIRST)
            if task is None:
                break
            captured.append(task)
        return captured

    def release_tasks(self, correlation_id: Optional[str], ids: List[str], status: str,
                      now: int, lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        result = TasksReleaseV1()
        tokens = {id: token for id, token in (lease_tokens or {}).items() if token is not None}
        if tokens:  # checked first, so a stale fence normally changes nothing
            held = {doc['_id']: doc.get('lease_token') for doc in
                    self._collection.find({'_id': {'$in': list(tokens)}}, {'lease_token': 1})}
            lost = [id for id, token in tokens.items() if id in held and held[id] != token]
            if lost:
                raise ConflictException(correlation_id, 'LEASE_LOST',
                                        f'Tasks no longer held with these leases: {", ".join(lost[:20])}') \
                    .with_details('task_ids', lost)
        update = {'$set': {'status': status, 'updated_at': now, 'lease_token': None}}
        for id in ids:
            query = {'_id': id}
            if id in tokens:
                query['lease_token'] = tokens[id]  # the fence, in the same atomic step as the write
            task = self.find_one_and_update(correlation_id, query, update)
            if task is None:
                if id in tokens and self._collection.find_one({'_id': id}, {'_id': 1}) is not None:
                    result.lease_lost.append(id)
                else:
                    result.not_found.append(id)
            else:
                result.list.append(task)
        return result

    def sweep(self, correlation_id: Optional[str], now: int) -> int:
        # updated_at + timeout < now, asked per distinct timeout: plain comparisons every server serves
        changed = 0
        for timeout in self._collection.distinct('timeout', {'status': TaskStatusV1.InProgress}):
            if not isinstance(timeout, (int, float)):
                continue
            expired = {'status': TaskStatusV1.InProgress, 'timeout': timeout, 'updated_at': {'$lt': now - timeout}}
            for retries, status in (({'$gt': 0}, TaskStatusV1.Idle), ({'$lte': 0}, TaskStatusV1.Failed)):
                # the filter re-checks state and age in the write itself; a capture since then moved
                # updated_at (and the token), so it is never swept by a stale look
                result = self._collection.update_many(dict(expired, retries_left=retries),
                                                      {'$set': {'status': status, 'updated_at': now,
                                                                'lease_token': None}})
                changed += result.modified_count
        return changed
