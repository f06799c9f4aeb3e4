"""The cron commands over HTTP: POST /v1/cron/<command>."""
from pip_services3_commons.refer import Descriptor

from service_background.common.services.commandable_http_service import CommandableHttpService


class CronCommandableHttpServiceV1(CommandableHttpService):
    """POST /v1/cron/<command> for every command of CronController."""

    def __init__(self):
        super().__init__('v1/cron')
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-cron', 'controller', 'default', '*', '1.0'))
