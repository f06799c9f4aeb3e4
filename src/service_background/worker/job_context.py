"""The running job's context for its handler: ``current()`` gives the job, lets it report progress, says
whether its cancel was asked, and carries its trace parent; ``logging`` lines it emits are kept here too."""
import collections
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Deque, List, Optional, Tuple

from service_background.common.tracing.job_spans import consumer_span

MAX_LINES = 999  # lines waiting to be sent per job: with the "dropped" line, one report's bound of 1000
MAX_LINE_CHARS = 8192  # the service cuts a message there: no need to hold more
MAX_PROGRESS_MESSAGE = 1000
MAX_LEVEL = 16

Line = Tuple[float, str, str]  # (time.time(), level, message)

_current: ContextVar['JobContext'] = ContextVar('service_background_job')


def current() -> 'JobContext':
    """The context of the job whose handler runs here (sync or async); LookupError outside a handler."""
    return _current.get()


def current_or_none() -> Optional['JobContext']:
    return _current.get(None)


class JobContext:
    """One job in a worker's hands. ``job``: the JobV1; ``cancelled``: its cancel was requested (an async
    handler is also cancelled; a sync one should return when it sees this); ``traceparent``: the producer's
    W3C trace parent, if any. ``progress()`` and log lines may come from any thread: the worker's loop
    takes them (``take_progress``, ``take_lines``) after ``on_change`` told it this context has news."""
    __slots__ = ('job', 'lease_token', 'trace_context', 'traceparent', 'cancelled', 'finished', '_on_change',
                 '_progress', '_progress_sent', '_lines', '_dropped', '_dropped_told', '_changed')

    def __init__(self, job: Any, lease_token: Optional[str], trace_context: Optional[dict],
                 on_change: Callable[['JobContext'], None]) -> None:
        self.job = job
        self.lease_token = lease_token
        self.trace_context = trace_context if isinstance(trace_context, dict) else None
        self.traceparent: Optional[str] = self.trace_context.get('traceparent') if self.trace_context else None
        self.cancelled = False
        self.finished = False  # its outcome is decided: later progress and lines are not sent
        self._on_change = on_change
        self._progress: Optional[Tuple[float, Optional[str]]] = None  # written by the handler's thread only
        self._progress_sent: Optional[Tuple[float, Optional[str]]] = None  # by the loop only
        self._lines: Optional[Deque[Line]] = None
        self._dropped = 0  # by the handler's thread only
        self._dropped_told = 0  # by the loop only
        self._changed = False

    # --- the handler's side ---------------------------------------------------------------------
    def progress(self, percent: float, message: Optional[str] = None) -> None:
        """How far the job has come, 0..100, and what it does now; the latest is sent, throttled."""
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            raise ValueError(f'progress must be a number from 0 to 100, not {percent!r}')
        if message is not None:
            message = str(message)[:MAX_PROGRESS_MESSAGE]
        self._progress = (float(percent), message)
        self._changed_now()

    def add_line(self, created: float, level: str, message: str) -> None:
        """A log line for the job (the log capture calls this); past MAX_LINES unsent the oldest go."""
        lines = self._lines
        if lines is None:
            lines = self._lines = collections.deque(maxlen=MAX_LINES)
        if len(lines) == MAX_LINES:
            self._dropped += 1
        lines.append((created, level[:MAX_LEVEL], message[:MAX_LINE_CHARS]))
        self._changed_now()

    def _changed_now(self) -> None:
        # written before the flag is read: the loop clears the flag before it reads, so nothing is missed
        if not self._changed and not self.finished:
            self._changed = True
            self._on_change(self)

    # --- the worker's side ----------------------------------------------------------------------
    @property
    def changed(self) -> bool:
        return self._changed

    def take_progress(self) -> Optional[Tuple[float, Optional[str]]]:
        """The progress not sent yet (None: no news). Clears the change flag first."""
        self._changed = False
        progress = self._progress
        if progress is None or progress is self._progress_sent:
            return None
        self._progress_sent = progress
        return progress

    def take_lines(self) -> Tuple[List[Line], int]:
        """The lines waiting (oldest first) and how many were dropped since the last take."""
        lines: List[Line] = []
        waiting = self._lines
        if waiting:
            pop = waiting.popleft
            for _ in range(len(waiting)):
                lines.append(pop())
        dropped = self._dropped - self._dropped_told
        self._dropped_told += dropped
        return lines, dropped

    def run_sync(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(job)`` with this context current (in the thread that calls this)."""
        token = _current.set(self)
        try:
            if self.trace_context is None:
                return fn(self.job)
            with consumer_span(self.job.type, self.job.id, self.trace_context):
                return fn(self.job)
        finally:
            _current.reset(token)

    async def run_async(self, fn: Callable[[Any], Awaitable[Any]]) -> Any:
        """``await fn(job)`` with this context current (in the calling task's context)."""
        token = _current.set(self)
        try:
            if self.trace_context is None:
                return await fn(self.job)
            with consumer_span(self.job.type, self.job.id, self.trace_context):
                return await fn(self.job)
        finally:
            _current.reset(token)
