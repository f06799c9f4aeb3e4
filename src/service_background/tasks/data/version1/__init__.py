"""The tasks data classes, version 1."""
from service_background.tasks.data.version1.namespace_v1 import NamespaceV1
from service_background.tasks.data.version1.task_status_v1 import TaskStatusV1
from service_background.tasks.data.version1.task_v1 import DEFAULT_RETRIES, DEFAULT_TIMEOUT, TaskV1
from service_background.tasks.data.version1.tasks_release_v1 import TasksReleaseV1

__all__ = ['NamespaceV1', 'TaskV1', 'TaskStatusV1', 'TasksReleaseV1', 'DEFAULT_TIMEOUT', 'DEFAULT_RETRIES']
