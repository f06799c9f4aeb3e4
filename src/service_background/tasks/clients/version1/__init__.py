"""The tasks clients, version 1: HTTP (sync and async) and direct (in process); each loads on first use."""
from service_background.common.clients.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    'ITasksClientV1': 'i_tasks_client_v1',
    'TasksDirectClientV1': 'tasks_direct_client_v1',
    'TasksHttpClientV1': 'tasks_http_client_v1',
    'TasksAsyncClientV1': 'tasks_async_client_v1',
})
