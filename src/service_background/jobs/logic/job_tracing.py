"""The service's spans for jobs (enqueue, take, finish): no-ops until OpenTelemetry is configured."""
import logging
from typing import Any, List, Optional, Sequence

from service_background.common.tracing.otel import find_tracer, job_span_args
from service_background.jobs.data.version1 import JobStatusV1, JobV1

_UNDECIDED = object()
_log = logging.getLogger(__name__)


class JobTracing:
    """One span per job and step, following OpenTelemetry's messaging conventions: ``publish <type>``
    (PRODUCER) when added, ``receive <type>`` (CONSUMER) when a worker takes it, ``settle <type>`` when it
    finishes (its status in ``messaging.service_background.status``; a failed job's span has the error
    status). Each is a child of the job's ``trace_context`` (the producer's creation context, left as
    sent) and linked to it. Whether to trace is decided at the first hook call (common/tracing/otel.py),
    then kept: untraced, every hook returns after one attribute check."""

    def __init__(self):
        self._tracer: Any = _UNDECIDED
        self._warned = False

    def enqueued(self, jobs: List[Optional[JobV1]]) -> None:
        """Jobs were added."""
        if self._tracer is not None:
            self._record('publish', jobs)

    def taken(self, jobs: List[JobV1]) -> None:
        """Jobs were handed to a worker."""
        if self._tracer is not None:
            self._record('receive', jobs)

    def finished(self, jobs: List[Optional[JobV1]]) -> None:
        """Jobs reached a finished state."""
        if self._tracer is not None:
            self._record('settle', jobs)

    def _record(self, operation: str, jobs: Sequence[Optional[JobV1]]):
        tracer = self._tracer
        if tracer is _UNDECIDED:
            tracer = self._tracer = find_tracer()
            if tracer is None:
                return
        try:
            for job in jobs:
                if job is not None:
                    self._span(tracer, operation, job)
        except Exception:  # a tracing fault never fails the job's add, take or finish
            if not self._warned:
                self._warned = True
                _log.exception('Recording job spans failed')

    @staticmethod
    def _span(tracer: Any, operation: str, job: JobV1):
        if operation == 'publish':
            start, extra = job.created, {}
        elif operation == 'receive':
            start, extra = job.started, {'messaging.client.id': job.worker_id,
                                         'messaging.service_background.attempt': job.retries}
        else:
            start, extra = job.completed, {'messaging.client.id': job.worker_id,
                                           'messaging.service_background.status': job.status,
                                           'messaging.service_background.attempt': job.retries}
        span = tracer.start_span(**job_span_args(operation, job.type or '', job.id, job.trace_context, start, **extra))
        if operation == 'settle' and job.status == JobStatusV1.Failed:
            from opentelemetry.trace import Status, StatusCode
            span.set_status(Status(StatusCode.ERROR, (job.last_error or 'failed')[:500]))
        span.end()
