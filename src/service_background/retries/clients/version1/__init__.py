"""The retries clients, version 1: HTTP (sync and async) and direct (in process); each loads on first use."""
from service_background.common.clients.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    'IRetriesClientV1': 'i_retries_client_v1',
    'RetriesDirectClientV1': 'retries_direct_client_v1',
    'RetriesHttpClientV1': 'retries_http_client_v1',
    'RetriesAsyncClientV1': 'retries_async_client_v1',
})
