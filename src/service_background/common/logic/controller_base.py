"""What every domain controller shares: its persistence dependency, logger, command set and background
timers that start on open and stop on close."""
from typing import Any, List, Optional

from pip_services3_commons.commands import CommandSet, ICommandable
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.refer import DependencyResolver, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_components.log import CompositeLogger

from service_background.common.concurrency.timer import IntervalTimer


class ControllerBase(IConfigurable, IReferenceable, IOpenable, ICommandable):
    # subclasses set 'dependencies.persistence' and their option defaults
    _default_config = ConfigParams()

    def __init__(self):
        self._dependency_resolver = DependencyResolver(self._default_config)
        self._logger = CompositeLogger()
        self._persistence: Any = None
        self._command_set: Optional[CommandSet] = None
        self._timers: List[IntervalTimer] = []
        self._opened = False

    def configure(self, config: ConfigParams):
        config = config.set_defaults(self._default_config)
        self._dependency_resolver.configure(config)
        self._configure_options(config)

    def _configure_options(self, config: ConfigParams):
        """Reads the subclass's options (defaults already applied)."""

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._dependency_resolver.set_references(references)
        self._persistence = self._dependency_resolver.get_one_required('persistence')

    def is_blocking(self) -> bool:
        """Whether calls may block on I/O (files, MongoDB): the services then run them off the event loop."""
        return getattr(self._persistence, 'blocking', True)

    def get_command_set(self) -> CommandSet:
        if self._command_set is None:
            self._command_set = self._create_command_set()
        return self._command_set

    def _create_command_set(self) -> CommandSet:
        raise NotImplementedError

    def _create_timers(self) -> List[IntervalTimer]:
        """The background timers to run while open (cleaners, sweepers)."""
        return []

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        if self._opened:
            return
        self._timers = self._create_timers()
        for timer in self._timers:
            timer.start()
        self._opened = True

    def close(self, correlation_id: Optional[str]):
        for timer in self._timers:
            timer.stop()
        self._timers = []
        self._opened = False
