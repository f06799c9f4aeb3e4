"""The retries HTTP services, version 1."""
from service_background.retries.services.version1.retries_commandable_http_service_v1 import (
    RetriesCommandableHttpServiceV1,
)

__all__ = ['RetriesCommandableHttpServiceV1']
