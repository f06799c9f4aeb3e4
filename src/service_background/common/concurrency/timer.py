"""A periodic background job that survives its own errors and never blocks shutdown
(pip-services3-components' FixedRateTimer raises without a delay and its thread outlives close)."""
import threading
from typing import Callable, Optional

from pip_services3_components.log import CompositeLogger


class IntervalTimer:

    def __init__(self, name: str, callback: Callable[[], None], interval_ms: float,
                 logger: Optional[CompositeLogger] = None):
        self._name = name
        self._callback = callback
        self._interval = interval_ms / 1000.0
        self._logger = logger or CompositeLogger()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self):
        if self._thread is not None or self._interval <= 0:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(self._interval):
            try:
                self._callback()
            except Exception as ex:
                self._logger.error(None, ex, f'{self._name} failed; it will run again')

    def stop(self):
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
