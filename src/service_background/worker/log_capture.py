"""A root logging handler, installed while a jobs worker runs, that adds the records a handler emits to its
job's context (they are shipped as the job's log); records from outside any handler pass untouched."""
import logging
import threading
from typing import Optional

from service_background.worker.job_context import current_or_none


class JobLogCapture(logging.Handler):
    """Keeps a record for the job whose handler emitted it. ``handle`` is overridden: no lock and no
    formatting unless a job is current (its lines are formatted once, in the emitting thread)."""

    def handle(self, record: logging.LogRecord) -> bool:
        context = current_or_none()
        if context is not None and not context.finished:
            try:
                message = record.getMessage()
                if record.exc_info:
                    message += '\n' + _FORMATTER.formatException(record.exc_info)
                elif record.exc_text:
                    message += '\n' + record.exc_text
                context.add_line(record.created, record.levelname.lower(), message)
            except Exception:  # noqa: BLE001 - a bad record must not break the handler that logged it
                self.handleError(record)
        last_resort = logging.lastResort
        if last_resort is not None and record.levelno >= last_resort.level and self._alone(record):
            last_resort.handle(record)  # what logging does when no handler takes a record: not silenced by this one
        return True

    def _alone(self, record: logging.LogRecord) -> bool:
        """Whether this is the only handler the record reached (its logger up to the root, as propagated)."""
        logger: Optional[logging.Logger] = logging.getLogger(None if record.name == 'root' else record.name)
        while logger is not None:
            if any(handler is not self and record.levelno >= handler.level for handler in logger.handlers):
                return False
            logger = logger.parent if logger.propagate else None
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)


_FORMATTER = logging.Formatter()


class _Installation:
    """The one capture on the root logger, counted by the workers that use it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.handler = JobLogCapture()
        self.users = 0


_installation = _Installation()


def install() -> None:
    """Adds the capture to the root logger (once however many workers run; undone by as many uninstalls)."""
    with _installation.lock:
        if _installation.users == 0:
            logging.getLogger().addHandler(_installation.handler)
        _installation.users += 1


def uninstall() -> None:
    with _installation.lock:
        if _installation.users == 0:
            return
        _installation.users -= 1
        if _installation.users == 0:
            logging.getLogger().removeHandler(_installation.handler)
