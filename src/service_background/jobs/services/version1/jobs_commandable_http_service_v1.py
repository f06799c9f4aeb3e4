"""The commands API of the jobs controller over HTTP."""
from typing import Any, Callable, Optional

from pip_services3_commons.commands import ICommand
from pip_services3_commons.refer import Descriptor
from pip_services3_commons.run import Parameters

from service_background.common.services.commandable_http_service import CommandableHttpService
from service_background.common.tracing.trace_headers import request_trace_context

# the commands that add jobs: the argument holding the new job (False) or the list of them (True)
_ADDING = {'add_job': ('new_job', False), 'add_uniq_job': ('new_job', False), 'add_jobs': ('new_jobs', True),
           'add_batch': ('jobs', True)}


class _TracedAdd(ICommand):
    """An adding command whose new jobs without a ``trace_context`` get the one of the request's W3C
    ``traceparent``/``tracestate`` headers (a malformed header is ignored) before the controller sees them."""

    def __init__(self, command: ICommand, key: str, many: bool):
        self._command, self._key, self._many = command, key, many

    def get_name(self) -> str:
        return self._command.get_name()

    def validate(self, args: Parameters):
        return self._command.validate(args)

    def execute(self, correlation_id: Optional[str], args: Parameters) -> Any:
        context = request_trace_context()
        if context is not None:
            value = args.get(self._key)
            for new_job in (value if isinstance(value, list) else ()) if self._many else (value,):
                if isinstance(new_job, dict) and new_job.get('trace_context') is None:
                    new_job['trace_context'] = dict(context)
        return self._command.execute(correlation_id, args)


class JobsCommandableHttpServiceV1(CommandableHttpService):
    """POST /v1/jobs/<command> for every command of JobsController (the commands API)."""

    def __init__(self):
        super().__init__('v1/jobs')
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-jobs', 'controller', 'default', '*', '1.0'))

    def _command_handler(self, command: ICommand) -> Callable:
        adding = _ADDING.get(command.get_name())
        return super()._command_handler(_TracedAdd(command, *adding) if adding is not None else command)
