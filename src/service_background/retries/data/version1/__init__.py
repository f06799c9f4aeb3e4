"""The retries data classes, version 1."""
from service_background.retries.data.version1.retry_v1 import RetryV1
from service_background.retries.data.version1.retry_v1_schema import RetryV1Schema

__all__ = ['RetryV1', 'RetryV1Schema']
