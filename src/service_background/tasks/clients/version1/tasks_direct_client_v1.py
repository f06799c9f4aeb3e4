"""The tasks direct client, version 1: calls the controller in the same process."""
from typing import Dict, List, Optional

from pip_services3_commons.refer import Descriptor
from pip_services3_rpc.clients import DirectClient

from service_background.tasks.clients.version1.i_tasks_client_v1 import ITasksClientV1
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskV1


class TasksDirectClientV1(DirectClient, ITasksClientV1):
    """Calls the controller in the same process."""

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-tasks', 'controller', '*', '*', '1.0'))

    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return self._controller.get_namespaces(correlation_id)

    def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        return self._controller.create_namespace(correlation_id, namespace)

    def get_namespace(self, correlation_id: Optional[str], namespace_id: str) -> Optional[NamespaceV1]:
        return self._controller.get_namespace(correlation_id, namespace_id)

    def delete_namespace(self, correlation_id: Optional[str], namespace_id: str) -> NamespaceV1:
        return self._controller.delete_namespace(correlation_id, namespace_id)

    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        return self._controller.get_tasks(correlation_id, namespace_id)

    def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        return self._controller.create_task(correlation_id, task)

    def get_task(self, correlation_id: Optional[str], task_id: str) -> Optional[TaskV1]:
        return self._controller.get_task(correlation_id, task_id)

    def delete_task(self, correlation_id: Optional[str], task_id: str) -> TaskV1:
        return self._controller.delete_task(correlation_id, task_id)

    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]:
        return self._controller.capture_tasks(correlation_id, namespace_id, limit)

    def release_tasks(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                      lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        return self._controller.release_tasks(correlation_id, task_ids, status, lease_tokens)
