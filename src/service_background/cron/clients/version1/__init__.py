from service_background.cron.clients.version1.cron_direct_client_v1 import CronDirectClientV1
from service_background.cron.clients.version1.cron_http_client_v1 import CronHttpClientV1
from service_background.cron.clients.version1.i_cron_client_v1 import ICronClientV1

__all__ = ['ICronClientV1', 'CronDirectClientV1', 'CronHttpClientV1']

from service_background.cron.clients.version1.cron_async_client_v1 import CronAsyncClientV1  # noqa: E402

__all__ += ['CronAsyncClientV1']
