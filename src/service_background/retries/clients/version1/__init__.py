from service_background.retries.clients.version1.i_retries_client_v1 import IRetriesClientV1
from service_background.retries.clients.version1.retries_direct_client_v1 import RetriesDirectClientV1
from service_background.retries.clients.version1.retries_http_client_v1 import RetriesHttpClientV1

__all__ = ['IRetriesClientV1', 'RetriesDirectClientV1', 'RetriesHttpClientV1']

from service_background.retries.clients.version1.retries_async_client_v1 import RetriesAsyncClientV1  # noqa: E402

__all__ += ['RetriesAsyncClientV1']
