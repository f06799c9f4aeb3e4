from .jobs_factory import JobsFactory

__all__ = ['JobsFactory']
