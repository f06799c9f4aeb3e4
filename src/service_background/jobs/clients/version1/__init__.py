"""The jobs clients, version 1: HTTP (sync and async), direct (in process) and the queue client; each
loads on first use."""
from service_background.common.clients.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    'IJobsClientV1': 'i_jobs_client_v1',
    'JobsDirectClientV1': 'jobs_direct_client_v1',
    'JobsHttpClientV1': 'jobs_http_client_v1',
    'JobsQueueClient': 'jobs_queue_client',
    'JobsAsyncClientV1': 'jobs_async_client_v1',
})
