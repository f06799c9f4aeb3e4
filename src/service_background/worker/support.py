"""Pieces the workers share: handler specs, error texts, a daemon thread pool for sync handlers,
and the service's reachability state with its backoff."""
import asyncio
import collections
import importlib
import inspect
import logging
import os
import queue
import random
import threading
import traceback
from typing import Any, Callable, Dict, Iterable, Optional

from pip_services3_commons.errors import ApplicationException, ConnectionException

log = logging.getLogger('service-background-worker')

MAX_ERROR_LENGTH = 4000
TRACEBACK_LINES = 40


class Handler:
    """A user's function and how to call it."""

    def __init__(self, fn: Callable, time_limit: Optional[float] = None):
        if not callable(fn):
            raise TypeError(f'handler {fn!r} is not callable')
        self.fn = fn
        self.time_limit = time_limit if time_limit and time_limit > 0 else None
        self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, '__call__', None))


def load_callable(spec: str) -> Callable:
    """``package.module:function`` (or ``module:Class.method``) → the callable."""
    module_name, sep, attr = spec.partition(':')
    if not sep or not module_name or not attr:
        raise ValueError(f'handler {spec!r} must look like package.module:function')
    target: Any = importlib.import_module(module_name)
    for part in attr.split('.'):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f'handler {spec!r} is not callable')
    return target


def parse_specs(values: Iterable[str]) -> Dict[str, str]:
    """``["mail=myapp.mail:send", "sms=myapp.sms:send,push=x:y"]`` → {name: spec}; commas and
    whitespace separate several in one value (for environment variables)."""
    result: Dict[str, str] = {}
    for value in values:
        for item in value.replace(',', ' ').split():
            name, sep, spec = item.partition('=')
            if not sep or not name or not spec:
                raise ValueError(f'{item!r} must look like name=package.module:function')
            result[name] = spec
    return result


def format_error(ex: BaseException, max_length: int = MAX_ERROR_LENGTH) -> str:
    """``Type: message`` then the head of the traceback from the handler's frame on (the worker's
    and asyncio's frames that called it are left out), cut to ``max_length`` characters."""
    text = f'{type(ex).__name__}: {ex}'
    tb = ex.__traceback__
    while tb is not None and tb.tb_next is not None and _is_ours(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    if tb is not None:
        lines = ''.join(traceback.format_tb(tb)).splitlines()
        text += '\nTraceback (most recent call last):\n' + '\n'.join(lines[:TRACEBACK_LINES])
    return text if len(text) <= max_length else text[:max_length - 3] + '...'


_OURS = (os.path.dirname(os.path.abspath(__file__)) + os.sep, os.path.dirname(asyncio.__file__) + os.sep)


def _is_ours(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_OURS)


def error_status(ex: BaseException) -> Optional[int]:
    """The HTTP status of an answered call; None when the service was not reached (or for an
    exception that is no call's answer)."""
    if isinstance(ex, ConnectionException) or not isinstance(ex, ApplicationException):
        return None
    status = getattr(ex, 'status', None)
    return int(status) if status else None


def is_transient(ex: BaseException) -> bool:
    """Worth retrying later: no answer, a 5xx, or 429."""
    if isinstance(ex, ConnectionException):
        return True
    status = error_status(ex)
    return status is not None and (status >= 500 or status == 429)


class DaemonThreadPool:
    """N daemon threads for sync handlers. Daemon, so a handler that never returns cannot keep the
    process alive after shutdown (concurrent.futures' threads are joined at exit). Outcomes that finish
    together reach the loop in one wake-up, not one each."""

    def __init__(self, size: int, name: str = 'worker'):
        self._queue: 'queue.SimpleQueue' = queue.SimpleQueue()
        self._done: collections.deque = collections.deque()
        self._wake_pending = False
        self._threads = [threading.Thread(target=self._run, name=f'{name}-{i}', daemon=True)
                         for i in range(max(1, size))]
        for thread in self._threads:
            thread.start()

    def _run(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            loop, future, fn, arg = item
            try:
                self._done.append((future, fn(arg), None))
            except BaseException as ex:  # noqa: B902 - handed to the loop as the handler's outcome
                self._done.append((future, None, ex))
            if not self._wake_pending:  # the loop clears it before draining: no outcome is missed
                self._wake_pending = True
                try:
                    loop.call_soon_threadsafe(self._drain)
                except RuntimeError:  # the loop is closed: nobody waits for the outcome
                    pass

    def _drain(self):
        self._wake_pending = False
        done = self._done
        while done:
            _settle(*done.popleft())

    def submit(self, fn: Callable, arg: Any) -> 'asyncio.Future':
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((loop, future, fn, arg))
        return future

    def shutdown(self):
        for _ in self._threads:
            self._queue.put(None)


def _settle(future: 'asyncio.Future', result: Any, error: Optional[BaseException]):
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class ServiceState:
    """Whether the service answers: logs each change once (unreachable, refusing, back) and hands
    out the exponential backoff (with jitter) to wait after a failed call."""

    def __init__(self, url: str, min_backoff: float = 0.2, max_backoff: float = 15.0):
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

    def ok(self, ticket: Optional[int] = None):
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
