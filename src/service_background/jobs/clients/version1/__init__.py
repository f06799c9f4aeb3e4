from service_background.jobs.clients.version1.i_jobs_client_v1 import IJobsClientV1
from service_background.jobs.clients.version1.jobs_direct_client_v1 import JobsDirectClientV1
from service_background.jobs.clients.version1.jobs_http_client_v1 import JobsHttpClientV1
from service_background.jobs.clients.version1.jobs_queue_client import JobsQueueClient

__all__ = ['IJobsClientV1', 'JobsDirectClientV1', 'JobsHttpClientV1', 'JobsQueueClient']

from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1  # noqa: E402

__all__ += ['JobsAsyncClientV1']
