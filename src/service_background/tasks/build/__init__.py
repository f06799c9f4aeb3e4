from .tasks_factory import TasksFactory

__all__ = ['TasksFactory']
