"""The separate HTTP endpoint (its own port) that serves published Lua functions."""
from typing import Optional

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import ConnectionException

from service_background.common.http.endpoint import HttpEndpoint


class CronFuncEndpoint(HttpEndpoint):
    """The second HTTP server, for published functions (HTTP_FUNC_LISTEN, default 8081). Unless
    ``options.required`` is true, a busy port is logged as an error and the rest of the service runs
    on without functions: several containers on one machine (tests, other domains) would otherwise
    all fail on the fixed default port."""

    def __init__(self):
        super().__init__()
        self._required = False

    def configure(self, config: ConfigParams):
        # Lua calls may run for seconds: a pool of their own, so they never starve the API's
        # published functions are a public face, guarded per function (use_otp): no API token unless
        # options.auth is true; protected mode (loopback without tokens) applies all the same
        super().configure(config.set_defaults(ConfigParams.from_tuples('options.own_pool', True,
                                                                       'options.auth', False)))
        self._required = config.get_as_boolean_with_default('options.required', False)

    def open(self, correlation_id: Optional[str]):
        try:
            super().open(correlation_id)
        except ConnectionException as ex:
            if self._required:
                raise
            self._logger.error(correlation_id, ex, 'Published cron functions are NOT served: cannot open their '
                                                   'HTTP endpoint (set HTTP_FUNC_LISTEN to a free port)')
