"""Calls of published Lua functions: /<group>/<name> on the function endpoint."""
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.http.request import current_request
from service_background.common.http.response import send_raw
from service_background.common.services.rest_service import RestService
from service_background.cron.lua_runtime import LuaRequestContext


class CronFuncServiceV1(RestService):
    """Serves published Lua functions at ``/<group_name>/<name>`` for any method, on an endpoint of
    its own: ``service-background-cron:endpoint:http-func:*:1.0`` (port HTTP_FUNC_LISTEN), not the
    API's. ``otp_code`` comes from the query or the ``X-Otp-Code`` header."""

    _default_config = ConfigParams.from_tuples(
        'base_route', None,
        'dependencies.endpoint', 'service-background-cron:endpoint:http-func:*:1.0',
        'dependencies.swagger', '*:swagger-service:*:*:1.0')

    def __init__(self):
        super().__init__()
        self._base_route = ''
        self._controller = None
        self._dependency_resolver.put('endpoint',
                                      Descriptor('service-background-cron', 'endpoint', 'http-func', '*', '1.0'))
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-cron', 'controller', 'default', '*', '1.0'))

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._controller = self._dependency_resolver.get_one_required('controller')

    def _call(self, group_name: str, name: str):
        request = current_request()
        query = {key: values[0] if len(values) == 1 else values for key, values in request.query_lists.items()}
        context = LuaRequestContext(method=request.method, headers=request.titled_headers(), body=request.body,
                                    query=query)
        otp_code = request.query('otp_code') or request.header('X-Otp-Code')
        body, content_type = self._controller.functions.call_func(group_name, name, context, otp_code)
        return send_raw(body, content_type)

    def register(self):
        # Lua runs for up to CRON_FUNC_TIMEOUT seconds: always in the blocking pool, never on the loop
        self.register_route('ANY', '/<group_name>/<name>', None, self._call, blocking=True)
