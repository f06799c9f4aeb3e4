"""The tasks HTTP client, version 1: POST /v1/tasks/<command>, answers as typed objects."""
from typing import Dict, List, Optional

from service_background.common.clients.commandable_http_client import CommandableHttpClient
from service_background.tasks.clients.version1.i_tasks_client_v1 import ITasksClientV1
from service_background.tasks.clients.version1.tasks_request_bodies import data_body, release_body
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskV1


class TasksHttpClientV1(CommandableHttpClient, ITasksClientV1):
    """Calls POST /v1/tasks/<command>; returns typed NamespaceV1 / TaskV1 objects."""

    def __init__(self) -> None:
        super().__init__('v1/tasks')

    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return [NamespaceV1.from_json(d) for d in self.call_command('get_namespaces', correlation_id) or []]

    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        return NamespaceV1.from_json(self.call_command('create_namespace', correlation_id,
                                                       {'namespace': data_body(namespace)}))

    def get_namespace(self, correlation_id: Optional[str], namespace_id: str) -> Optional[NamespaceV1]:
        return NamespaceV1.from_json(self.call_command('get_namespace', correlation_id,
                                                       {'namespace_id': namespace_id}))

    def delete_namespace(self, correlation_id: Optional[str], namespace_id: str) -> NamespaceV1:
        return NamespaceV1.from_json(self.call_command('delete_namespace', correlation_id,
                                                       {'namespace_id': namespace_id}))

    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        result = self.call_command('get_tasks', correlation_id, {'namespace_id': namespace_id})
        return [TaskV1.from_json(d) for d in result or []]

    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        return TaskV1.from_json(self.call_command('create_task', correlation_id, {'task': data_body(task)}))

    def get_task(self, correlation_id: Optional[str], task_id: str) -> Optional[TaskV1]:
        return TaskV1.from_json(self.call_command('get_task', correlation_id, {'task_id': task_id}))

    def delete_task(self, correlation_id: Optional[str], task_id: str) -> TaskV1:
        return TaskV1.from_json(self.call_command('delete_task', correlation_id, {'task_id': task_id}))

    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]:
        result = self.call_command('capture_tasks', correlation_id, {'namespace_id': namespace_id, 'limit': limit})
        return [TaskV1.from_json(d) for d in result or []]

    def release_tasks(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                      lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        return TasksReleaseV1.from_json(self.call_command('release_tasks', correlation_id,
                                                          release_body(task_ids, status, lease_tokens)))
