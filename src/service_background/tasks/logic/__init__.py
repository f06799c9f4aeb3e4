"""The tasks domain's logic: the controller, its commands and the checks of their values."""
from service_background.tasks.logic.tasks_command_set import TasksCommandSet
from service_background.tasks.logic.tasks_controller import TasksController

__all__ = ['TasksController', 'TasksCommandSet']
