"""The tasks domain's factory."""
from service_background.tasks.build.tasks_factory import TasksFactory

__all__ = ['TasksFactory']
