from .tasks_commandable_http_service_v1 import TasksCommandableHttpServiceV1
from .tasks_rest_service_v1 import TasksRestServiceV1

__all__ = ['TasksCommandableHttpServiceV1', 'TasksRestServiceV1']
