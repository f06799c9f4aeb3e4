from .jobs_command_set import JobsCommandSet
from .jobs_controller import JobsController

__all__ = ['JobsController', 'JobsCommandSet']
