"""The worker's consumer span around a handler, linked to the producer's trace context (a no-op until traced)."""
from contextlib import nullcontext
from typing import Any, ContextManager, Optional

from service_background.common.tracing.otel import find_tracer, job_span_args

_UNDECIDED = object()
_NO_SPAN = nullcontext()  # reusable: entering it gives None
# decided at the first handler run of the process (otel.py says when tracing is on), then kept
_tracer: Any = _UNDECIDED


def _decide() -> Any:
    global _tracer
    _tracer = find_tracer()
    return _tracer


def consumer_span(job_type: str, job_id: str, trace_context: Optional[dict]) -> ContextManager[Any]:
    """A context manager around one handler run: the CONSUMER span ``process <type>``, current while the
    handler runs (its own spans are children), a child of the producer's context and linked to it; an
    exception leaving the handler is recorded and sets the span's status to error. Untraced: a shared
    no-op (entering it gives None)."""
    tracer = _tracer
    if tracer is None:
        return _NO_SPAN
    if tracer is _UNDECIDED:
        tracer = _decide()
        if tracer is None:
            return _NO_SPAN
    return tracer.start_as_current_span(**job_span_args('process', job_type, job_id, trace_context))
