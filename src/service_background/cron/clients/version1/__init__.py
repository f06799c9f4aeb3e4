"""The cron clients, version 1: HTTP (sync and async) and direct (in process); each loads on first use."""
from service_background.common.clients.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    'ICronClientV1': 'i_cron_client_v1',
    'CronDirectClientV1': 'cron_direct_client_v1',
    'CronHttpClientV1': 'cron_http_client_v1',
    'CronAsyncClientV1': 'cron_async_client_v1',
})
