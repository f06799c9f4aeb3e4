"""Base of our commandable HTTP services: pip-services3-rpc's CommandableHttpService, reading the body
as JSON whatever its Content-Type, answering 400 for a non-JSON body or an unknown command, and
serializing typed results with their datetimes."""
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException
from pip_services3_rpc.services import CommandableHttpService as _LibraryService

from .http_errors import read_json_body
from .http_response import send_json


class CommandableHttpService(_LibraryService):

    def _get_data(self) -> dict:
        return read_json_body()

    def send_result(self, result: Any) -> Optional[str]:
        return send_json(result)

    def register(self):
        super().register()

        def unknown_command(name):
            raise BadRequestException(self._get_correlation_id(), 'UNKNOWN_COMMAND',
                                      f'Unknown command {name} at /{self._base_route}')
        self.register_route('POST', '/<name>', None, unknown_command)
