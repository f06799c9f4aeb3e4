"""The cron domain's HTTP services, version 1."""
from service_background.cron.services.version1.cron_commandable_http_service_v1 import CronCommandableHttpServiceV1
from service_background.cron.services.version1.cron_func_endpoint import CronFuncEndpoint
from service_background.cron.services.version1.cron_func_service_v1 import CronFuncServiceV1
from service_background.cron.services.version1.cron_rest_service_v1 import CronRestServiceV1

__all__ = ['CronCommandableHttpServiceV1', 'CronRestServiceV1', 'CronFuncServiceV1', 'CronFuncEndpoint']
