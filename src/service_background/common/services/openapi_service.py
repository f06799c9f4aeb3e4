"""GET /openapi.json: the OpenAPI document of every route on the endpoint (see openapi.py)."""
from typing import Optional

from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.http.response import HttpResponse, send_json
from service_background.common.services.openapi import build_document
from service_background.common.services.rest_service import RestService


class OpenApiServiceV1(RestService):

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('commandable', Descriptor('*', 'service', 'commandable-http', '*', '1.0'))
        self._services = []
        self._document: Optional[HttpResponse] = None

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._services = self._dependency_resolver.get_optional('commandable')

    def register(self):
        self._document = None
        self.register_route('GET', '/openapi.json', None, self._serve, blocking=False)

    def _serve(self) -> HttpResponse:
        if self._document is None:  # built on first use: every service has registered by then
            commands = {}
            for service in self._services:
                commands.update(service.routed_commands())
            self._document = send_json(build_document('service-background', self._endpoint.routes(), commands))
        return self._document
