"""The common part of per-queue settings components (QueuePauses, QueueLimits): their records in a
persistence of their own, a copy in memory re-read at most every options.refresh_interval ms (so
processes sharing a MongoDB see each other's changes within that). The jobs controller finds the
component by its descriptor; the component finds the controller to wake its waiters."""
import time
from typing import Any, Optional

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.refer import Descriptor, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable


class QueueSettings(IConfigurable, IReferenceable, IOpenable):
    _persistence_descriptor: Descriptor = None
    _controller_descriptor = Descriptor('service-background-jobs', 'controller', '*', '*', '1.0')
    _default_refresh_ms: float = 1000

    def __init__(self):
        self._persistence = None
        self._controller = None
        self._refresh_s = self._default_refresh_ms / 1000.0
        self._cache = (self._index([]), 0.0)  # (settings, monotonic time read): replaced in one step
        self._opened = False

    def configure(self, config: ConfigParams):
        self._refresh_s = config.get_as_float_with_default('options.refresh_interval',
                                                          self._default_refresh_ms) / 1000.0

    def set_references(self, references: IReferences):
        self._persistence = references.get_one_required(self._persistence_descriptor)
        self._controller = references.get_one_optional(self._controller_descriptor)

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        self._opened = True
        self._read(correlation_id)

    def close(self, correlation_id: Optional[str]):
        self._opened = False

    def _index(self, items: list) -> Any:
        """The in-memory form of the stored records."""
        raise NotImplementedError()

    def _read(self, correlation_id: Optional[str]) -> Any:
        settings = self._index(self._persistence.get_list_by_filter(correlation_id))
        self._cache = (settings, time.monotonic())
        return settings

    def _wake(self, type: str, count: int):
        """Waiters of the queue (and of any queue) try a take again."""
        if self._controller is not None:
            self._controller.wake_waiters(type, count)

    def _current(self, correlation_id: Optional[str] = None) -> Any:
        settings, read_at = self._cache
        if time.monotonic() - read_at > self._refresh_s:
            return self._read(correlation_id)
        return settings
