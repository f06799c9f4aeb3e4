from service_background.tasks.clients.version1.i_tasks_client_v1 import ITasksClientV1
from service_background.tasks.clients.version1.tasks_direct_client_v1 import TasksDirectClientV1
from service_background.tasks.clients.version1.tasks_http_client_v1 import TasksHttpClientV1

__all__ = ['ITasksClientV1', 'TasksDirectClientV1', 'TasksHttpClientV1']

from service_background.tasks.clients.version1.tasks_async_client_v1 import TasksAsyncClientV1  # noqa: E402

__all__ += ['TasksAsyncClientV1']
