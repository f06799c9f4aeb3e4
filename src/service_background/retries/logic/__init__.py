"""The retries domain's logic: the controller and its commands."""
from service_background.retries.logic.retries_command_set import RetriesCommandSet
from service_background.retries.logic.retries_controller import RetriesController

__all__ = ['RetriesController', 'RetriesCommandSet']
