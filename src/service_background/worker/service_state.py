"""Whether the service answers a worker, with the backoff to wait after a failed call."""
import logging
import random
from typing import Optional

from service_background.worker.errors import is_transient

log = logging.getLogger('service-background-worker')


class ServiceState:
    """Whether the service answers: logs each change once (unreachable, refusing, back) and hands
    out the exponential backoff (with jitter) to wait after a failed call."""

    def __init__(self, url: str, min_backoff: float = 0.2, max_backoff: float = 15.0) -> None:
        self._url = url
        self._min = min_backoff
        self._max = max_backoff
        self._delay = min_backoff
        self.state = 'unknown'  # online | unreachable | refusing
        self.changes = 0
        self._failures = 0

    def ticket(self) -> int:
        """Taken before a call and handed to ok(): a reply to a call sent before the latest failure
        (concurrent calls in flight while the service went away) says nothing about now."""
        return self._failures

    def ok(self, ticket: Optional[int] = None) -> None:
        if ticket is not None and ticket != self._failures:
            return
        if self.state != 'online':
            if self.state != 'unknown':
                log.info('service %s answers again', self._url)
            self.state = 'online'
            self.changes += 1
        self._delay = self._min

    def failed(self, ex: BaseException) -> float:
        """Records a failed call; returns the seconds to wait before the next try."""
        state = 'unreachable' if is_transient(ex) else 'refusing'
        self._failures += 1
        if state != self.state:
            if state == 'unreachable':
                log.warning('service %s unreachable (%s); retrying with backoff', self._url, ex)
            else:
                log.error('service %s refuses the worker (%s); retrying with backoff', self._url, ex)
            self.state = state
            self.changes += 1
        delay = self._delay
        self._delay = min(self._max, self._delay * 2)
        return delay * (0.75 + random.random() * 0.5)
