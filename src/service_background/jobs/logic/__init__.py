"""The jobs domain's logic: the controller (the public API), its parts and its optional features."""
from service_background.jobs.logic.jobs_command_set import JobsCommandSet
from service_background.jobs.logic.jobs_controller import JobsController

__all__ = ['JobsController', 'JobsCommandSet']
