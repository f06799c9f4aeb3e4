"""The commands API of the jobs controller over HTTP."""
from pip_services3_commons.refer import Descriptor

from service_background.common.services.commandable_http_service import CommandableHttpService


class JobsCommandableHttpServiceV1(CommandableHttpService):
    """POST /v1/jobs/<command> for every command of JobsController (the commands API)."""

    def __init__(self):
        super().__init__('v1/jobs')
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-jobs', 'controller', 'default', '*', '1.0'))
