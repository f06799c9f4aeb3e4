from .retries_command_set import RetriesCommandSet
from .retries_controller import RetriesController

__all__ = ['RetriesController', 'RetriesCommandSet']
