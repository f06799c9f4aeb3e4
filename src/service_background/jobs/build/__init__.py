"""The jobs domain's factory."""
from service_background.jobs.build.jobs_factory import JobsFactory

__all__ = ['JobsFactory']
