"""Base of our commandable HTTP services: POST <base_route>/<command> for every command of the
controller's command set, reading the body as JSON whatever its Content-Type, answering 400 for a
non-JSON body or an unknown command, and an OpenAPI document at <base_route>/swagger. A caller that sends
``Prefer: return=minimal`` gets only the ids of what a command made, or no body."""
from typing import Callable

from pip_services3_commons.commands import ICommand, ICommandable
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException
from pip_services3_rpc.services.CommandableSwaggerDocument import CommandableSwaggerDocument

from service_background.common.http.errors import parse_json_body
from service_background.common.http.request import current_request
from service_background.common.http.response import send_json, send_minimal, wants_minimal
from service_background.common.logic.commands import CommandArgs
from service_background.common.services.rest_service import RestService


class CommandableHttpService(RestService):

    def __init__(self, base_route: str):
        super().__init__()
        self._base_route = base_route
        self._swagger_auto = True
        self._commands = []
        self._dependency_resolver.put('controller', 'none')

    def configure(self, config: ConfigParams):
        super().configure(config)
        self._swagger_auto = config.get_as_boolean_with_default('swagger.auto', self._swagger_auto)

    @staticmethod
    def is_read_command(name: str) -> bool:
        """Commands a ``read`` token may call: the ``get_*`` ones."""
        return name.startswith('get_')

    @staticmethod
    def is_admin_command(name: str) -> bool:
        """Commands that need the domain's full scope (not a group's, not read-only)."""
        return name in ('dump', 'import_dump')

    def _command_handler(self, command: ICommand) -> Callable:
        def handler():
            request = current_request()
            args = CommandArgs(parse_json_body(request.body))
            result = command.execute(request.correlation_id, args)
            if wants_minimal(request.header('prefer')):
                return send_minimal(result)
            return send_json(result)
        return handler

    def routed_commands(self) -> dict:
        """Each command by the path it is served at (for the OpenAPI document)."""
        base = self.fix_route(self._base_route)
        return {f'{base}/{command.get_name()}': command for command in self._commands}

    def register(self):
        controller = self._dependency_resolver.get_one_required('controller')
        if not isinstance(controller, ICommandable):
            raise Exception('Controller has to implement ICommandable interface')
        commands = self._commands = controller.get_command_set().get_commands()
        for command in commands:
            name = command.get_name()
            self.register_route('POST', '/' + name, None, self._command_handler(command),
                                write=not self.is_read_command(name), admin=self.is_admin_command(name))

        def unknown_command(name):
            raise BadRequestException(self._get_correlation_id(), 'UNKNOWN_COMMAND',
                                      f'Unknown command {name} at /{self._base_route}')
        self.register_route('POST', '/<name>', None, unknown_command, blocking=False, write=False)
        if self._swagger_auto:
            document = CommandableSwaggerDocument(self._base_route, self._config.get_section('swagger'), commands)
            self._register_open_api_spec(document.to_string())
