"""The tasks commandable HTTP service, version 1: POST /v1/tasks/<command> for every command."""
from pip_services3_commons.refer import Descriptor

from service_background.common.services.commandable_http_service import CommandableHttpService


class TasksCommandableHttpServiceV1(CommandableHttpService):
    """POST /v1/tasks/<command> for every command of TasksController."""

    def __init__(self):
        super().__init__('v1/tasks')
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-tasks', 'controller', 'default', '*', '1.0'))
