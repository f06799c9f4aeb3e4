"""The jobs controller's configured options (all ms unless said), read once each, and the retry policy
they make: one object the controller's parts share."""
from typing import Dict

from pip_services3_commons.config import ConfigParams

from service_background.jobs.logic.job_backoff import RetryPolicy


class JobsOptions:

    def __init__(self, config: ConfigParams):
        self._config = config
        self._values: Dict[str, int] = {}
        self.retry: RetryPolicy = None  # set by configure
        self.configure(config)

    def configure(self, config: ConfigParams):
        self._config = config
        self._values = {}
        self.retry = RetryPolicy(self.get('backoff_base'), self.get('backoff_max'),
                                 config.get_as_float('options.backoff_jitter'), self.get('finished_ttl'))

    def get(self, name: str) -> int:
        """``options.<name>`` as a whole number."""
        value = self._values.get(name)
        if value is None:
            value = self._values[name] = self._config.get_as_long('options.' + name)
        return value
