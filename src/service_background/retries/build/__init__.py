from .retries_factory import RetriesFactory

__all__ = ['RetriesFactory']
