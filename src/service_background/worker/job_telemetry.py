"""A jobs worker's progress and log shipping: the contexts with news are turned into ``progress`` and ``log``
reports for the outcome batcher, at most once per interval per job, and once more just before the outcome."""
import asyncio
import collections
from datetime import datetime, timezone
from typing import Callable, Deque, Optional

from service_background.worker.job_context import MAX_LINES, JobContext

INTERVAL = 0.5  # s between two shipments of one job's progress or lines


class JobTelemetry:
    """``changed`` (any thread) queues a context that has news; ``run()`` ships the queue every ``interval``;
    ``finish(context)`` ships what a context still holds and closes it (call it before its outcome)."""

    def __init__(self, add_report: Callable[[dict], None], interval: float = INTERVAL) -> None:
        self._add_report = add_report
        self._interval = interval
        self._waiting: Deque[JobContext] = collections.deque()  # append and popleft are thread-safe

    def changed(self, context: JobContext) -> None:
        self._waiting.append(context)

    async def run(self) -> None:
        """Ships the news every interval, until cancelled (a worker's stop)."""
        while True:
            await asyncio.sleep(self._interval)
            self.ship()

    def ship(self) -> None:
        waiting = self._waiting
        for _ in range(len(waiting)):
            context = waiting.popleft()
            if not context.finished:
                self._send(context)

    def finish(self, context: JobContext, send: bool = True) -> None:
        """The job's outcome is next: its last progress and lines go first (none when not ``send``)."""
        context.finished = True
        if send and context.changed:
            self._send(context)

    def _send(self, context: JobContext) -> None:
        progress = context.take_progress()
        lines, dropped = context.take_lines()
        job_id = context.job.id
        if lines or dropped:
            sent = [_line(line) for line in lines]
            if dropped:
                sent.insert(0, {'time': sent[0]['time'] if sent else _iso(None), 'level': 'warning',
                                'message': f'{dropped} log lines dropped: more than {MAX_LINES} were waiting'})
            self._add_report(_fenced({'job_id': job_id, 'outcome': 'log', 'lines': sent}, context))
        if progress is not None:
            report = {'job_id': job_id, 'outcome': 'progress', 'progress': progress[0]}
            if progress[1] is not None:
                report['message'] = progress[1]
            self._add_report(_fenced(report, context))


def _fenced(report: dict, context: JobContext) -> dict:
    if context.lease_token is not None:
        report['lease_token'] = context.lease_token
    return report


def _line(line: tuple) -> dict:
    return {'time': _iso(line[0]), 'level': line[1], 'message': line[2]}


def _iso(created: Optional[float]) -> str:
    moment = datetime.now(timezone.utc) if created is None else datetime.fromtimestamp(created, timezone.utc)
    return moment.isoformat(timespec='milliseconds').replace('+00:00', 'Z')

