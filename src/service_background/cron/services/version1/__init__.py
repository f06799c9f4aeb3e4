from .cron_commandable_http_service_v1 import CronCommandableHttpServiceV1
from .cron_func_endpoint import CronFuncEndpoint
from .cron_func_service_v1 import CronFuncServiceV1
from .cron_rest_service_v1 import CronRestServiceV1

__all__ = ['CronCommandableHttpServiceV1', 'CronRestServiceV1', 'CronFuncServiceV1', 'CronFuncEndpoint']
