"""The tasks HTTP services, version 1: commandable and REST."""
from service_background.tasks.services.version1.tasks_commandable_http_service_v1 import TasksCommandableHttpServiceV1
from service_background.tasks.services.version1.tasks_rest_service_v1 import TasksRestServiceV1

__all__ = ['TasksCommandableHttpServiceV1', 'TasksRestServiceV1']
