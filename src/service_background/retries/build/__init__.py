"""The retries domain's factory."""
from service_background.retries.build.retries_factory import RetriesFactory

__all__ = ['RetriesFactory']
