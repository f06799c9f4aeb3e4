"""The retries HTTP service, version 1: POST /v1/retries/<command> for every command of RetriesController."""
from pip_services3_commons.refer import Descriptor

from service_background.common.services.commandable_http_service import CommandableHttpService


class RetriesCommandableHttpServiceV1(CommandableHttpService):
    """POST /v1/retries/<command> for every command of RetriesController."""

    def __init__(self):
        super().__init__('v1/retries')
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-retries', 'controller', 'default', '*', '1.0'))
