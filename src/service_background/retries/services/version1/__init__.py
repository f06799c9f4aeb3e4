from .retries_commandable_http_service_v1 import RetriesCommandableHttpServiceV1

__all__ = ['RetriesCommandableHttpServiceV1']
