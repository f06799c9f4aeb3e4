"""BackgroundProcess, the Pip.Services container of every domain's factory in one process."""
import gc
import os
from typing import Iterable, Optional, Tuple

from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import ConfigException
from pip_services3_container import ProcessContainer
from pip_services3_container.config import ContainerConfig

from service_background.common.build import CommonFactory, SecurityFactory
from service_background.container.chunked_config_reader import ChunkedYamlConfigReader
from service_background.container.config_files import data_location, find_config_path
from service_background.cron.build import CronFactory
from service_background.dashboard import DashboardFactory
from service_background.jobs.build import JobsFactory
from service_background.metrics import MetricsFactory
from service_background.retries.build import RetriesFactory
from service_background.tasks.build import TasksFactory

# config.yml switches that mean "on" whenever they are set; "false"/"0" should mean off
SWITCHES = ('MEMORY_ENABLED', 'MONGO_ENABLED', 'POSTGRES_ENABLED', 'FILE_ENABLED', 'RETRIES_DISABLED', 'JOBS_DISABLED',
            'TASKS_DISABLED', 'CRON_DISABLED', 'AUTH_DISABLED', 'METRICS_DISABLED')


# gen0 as Python 3.13 has it; a full pass only every 50 gen1 passes (the interpreter: 10): 10,000 long-polls
# hold ~560k objects, and each full pass over them stops the event loop for ~300 ms
DEFAULT_GC_THRESHOLDS = (2000, 10, 50)


def gc_thresholds(environ=os.environ) -> Tuple[int, int, int]:
    """``GC_THRESHOLDS`` ("gen0,gen1,gen2", as gc.set_threshold takes them), else the defaults above."""
    text = environ.get('GC_THRESHOLDS', '').strip()
    if not text:
        return DEFAULT_GC_THRESHOLDS
    try:
        values = tuple(int(part) for part in text.split(','))
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 1:
        raise ConfigException(None, 'BAD_GC_THRESHOLDS',
                              f'GC_THRESHOLDS must be three positive integers like 2000,10,50, not {text!r}')
    return values


def normalize_switches(environ=os.environ, names: Iterable[str] = SWITCHES):
    """pip-services' mustache treats any non-empty value as true; drop the ones that say false."""
    for name in names:
        if environ.get(name, '').strip().lower() in ('', 'false', '0', 'no', 'off'):
            environ.pop(name, None)


class BackgroundProcess(ProcessContainer):
    """One process with every domain: retries, jobs, tasks, cron."""

    def __init__(self, config_path: Optional[str] = None):
        super().__init__('service-background', 'Background work microservices')
        self._config_path = config_path or find_config_path()
        self._start_note: Optional[str] = None
        self._factories.add(CommonFactory())
        self._factories.add(SecurityFactory())
        self._factories.add(RetriesFactory())
        self._factories.add(JobsFactory())
        self._factories.add(TasksFactory())
        self._factories.add(CronFactory())
        self._factories.add(MetricsFactory())
        self._factories.add(DashboardFactory())

    def read_config_from_file(self, correlation_id: Optional[str], path: str, parameters: Optional[ConfigParams]):
        # what a newcomer needs first: which file was read and where the data goes
        self._start_note = f'Config {os.path.abspath(path)}; data: {data_location(parameters or {})}'
        if not path.lower().endswith(('.yml', '.yaml')):
            super().read_config_from_file(correlation_id, path, parameters)
            return
        config = ChunkedYamlConfigReader(path).read_config_(correlation_id, parameters)
        self._config = ContainerConfig.from_config(config)

    def open(self, correlation_id: Optional[str]):
        thresholds = gc_thresholds()  # a bad value stops the start, before anything opens
        super().open(correlation_id)
        if self._start_note:
            self._logger.info(correlation_id, '%s', self._start_note)
        # What was loaded at start (stores, schedules) lives as long as the process: keep full GC
        # passes from walking it, they were the main source of cron fire lateness.
        gc.freeze()
        gc.set_threshold(*thresholds)
