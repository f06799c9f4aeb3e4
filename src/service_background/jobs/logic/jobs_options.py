"""The jobs controller's configured options (all ms unless said), read once each, and the retry policy
they make: one object the controller's parts share."""
from typing import Dict

from pip_services3_commons.config import ConfigParams

from service_background.jobs.logic.job_backoff import RetryPolicy

# options.clean_interval (cleaner period; 0 = off), options.lease_interval (lease expiry sweep, waking
# long-polls of delayed jobs that fell due, and the result long-polls' re-check for finishes by other
# processes), options.default_timeout (lease when neither the take nor the job names one),
# options.max_retries, options.finished_ttl (how long a finished job without result_ttl is kept; 0 =
# forever), options.max_wait (cap on a long-poll), options.signal_interval (how often one poller per process
# reads the MongoDB queue signal while async waiters wait), options.callback_retries / callback_backoff /
# callback_max_backoff / callback_timeout, options.callback_outbox_size (pending callbacks kept in the
# persistence's durable outbox: past it the oldest are dropped and counted in the log),
# options.callback_claim_interval (how often a process renews its outbox entries and claims those of
# processes gone silent), options.backoff_base / backoff_max / backoff_jitter: the retry backoff of a job
# that names none (job_backoff.py).
DEFAULTS = ConfigParams.from_tuples(
    'dependencies.persistence', 'service-background-jobs:persistence:*:*:1.0',
    'options.clean_interval', 60000,
    'options.lease_interval', 1000,
    'options.default_timeout', 300000,
    'options.max_retries', 10,
    'options.finished_ttl', 86400000,
    'options.max_wait', 300000,
    'options.signal_interval', 25,
    'options.callback_retries', 5,
    'options.callback_backoff', 1000,
    'options.callback_max_backoff', 60000,
    'options.callback_timeout', 10000,
    'options.callback_outbox_size', 10000,
    'options.callback_claim_interval', 5000,
    'options.backoff_base', 1000,
    'options.backoff_max', 3600000,
    'options.backoff_jitter', 0.5)


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
