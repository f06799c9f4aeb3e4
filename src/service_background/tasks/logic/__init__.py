from .tasks_command_set import TasksCommandSet
from .tasks_controller import TasksController

__all__ = ['TasksController', 'TasksCommandSet']
