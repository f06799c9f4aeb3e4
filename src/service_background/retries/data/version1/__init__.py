from .retry_v1 import RetryV1
from .retry_v1_schema import RetryV1Schema

__all__ = ['RetryV1', 'RetryV1Schema']
