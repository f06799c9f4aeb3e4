"""Whether this process traces jobs, and the messaging spans' shape (OpenTelemetry's messaging conventions).

Tracing is on when ``opentelemetry-api`` imports and a tracer provider is configured: the global provider
is not the API's proxy/no-op one (the application called ``trace.set_tracer_provider``, ran under
``opentelemetry-instrument``, or named one in ``OTEL_PYTHON_TRACER_PROVIDER``); or, when nothing set one,
``OTEL_TRACES_EXPORTER`` names installed exporters (``console``; ``otlp`` with opentelemetry-exporter-otlp)
and ``opentelemetry-sdk`` imports: then an SDK provider (its resource from ``OTEL_SERVICE_NAME`` /
``OTEL_RESOURCE_ATTRIBUTES``, sampler from ``OTEL_TRACES_SAMPLER``) with a batch processor per exporter is
set here. ``OTEL_SDK_DISABLED=true`` turns it off. Callers ask ``find_tracer`` once and keep the answer, so
an untraced process pays one attribute check per hook; opentelemetry is never imported when it is absent.
"""
import logging
import os
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, Optional

SYSTEM = 'service-background'
TRACER_NAME = 'service_background'
# messaging.operation.type -> span kind (publish: the job enters its queue; settle: done by the service)
_KINDS = {'publish': 'PRODUCER', 'receive': 'CONSUMER', 'process': 'CONSUMER', 'settle': 'INTERNAL'}
_log = logging.getLogger(__name__)


def find_tracer() -> Optional[Any]:
    """This package's OpenTelemetry tracer, or None when tracing is off."""
    if os.environ.get('OTEL_SDK_DISABLED', '').strip().lower() == 'true':
        return None
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    provider: Optional[Any] = trace.get_tracer_provider()
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        provider = _provider_from_environment()  # None: nothing configured
    return provider.get_tracer(TRACER_NAME) if provider is not None else None


def _provider_from_environment() -> Optional[Any]:
    """An SDK provider exporting to the exporters ``OTEL_TRACES_EXPORTER`` names, set as the global one."""
    names = [name.strip() for name in os.environ.get('OTEL_TRACES_EXPORTER', '').split(',')]
    names = [name for name in names if name and name != 'none']
    if not names:
        return None
    try:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        _log.warning('OTEL_TRACES_EXPORTER is set but opentelemetry-sdk is not installed: jobs are not traced')
        return None
    installed = {entry.name: entry for entry in entry_points(group='opentelemetry_traces_exporter')}
    provider = TracerProvider(resource=Resource.create())
    exporting = False
    for name in names:
        if name not in installed:
            _log.warning('OTEL_TRACES_EXPORTER names %r: no such span exporter is installed', name)
            continue
        provider.add_span_processor(BatchSpanProcessor(installed[name].load()()))
        exporting = True
    if not exporting:
        return None
    trace.set_tracer_provider(provider)  # ignored (with the API's warning) when another thread set one first
    return trace.get_tracer_provider()


def _creation_context(trace_context: Optional[dict]) -> tuple:
    """The producer's context (a parent for the span) and its span context as a link; (None, ()) when the
    job carries none or a malformed one, so the span's parent is the current context."""
    if not trace_context:
        return None, ()
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
    context = TraceContextTextMapPropagator().extract(trace_context)
    span_context = trace.get_current_span(context).get_span_context()
    if not span_context.is_valid:
        return None, ()
    return context, (trace.Link(span_context),)


def job_span_args(operation: str, job_type: str, job_id: Optional[str], trace_context: Optional[dict],
                  start: Optional[datetime] = None, **attributes: Any) -> dict:
    """The keyword arguments of ``tracer.start_span`` for one job's ``operation`` (a messaging.operation.type):
    named ``<operation> <type>``, child of the job's creation context and linked to it, with the messaging
    attributes and ``attributes`` (None values left out)."""
    from opentelemetry.trace import SpanKind
    context, links = _creation_context(trace_context)
    values = {'messaging.system': SYSTEM, 'messaging.operation.type': operation,
              'messaging.operation.name': operation, 'messaging.destination.name': job_type,
              'messaging.message.id': job_id}
    values.update(attributes)
    return {'name': f'{operation} {job_type}', 'context': context, 'kind': SpanKind[_KINDS[operation]],
            'links': links, 'attributes': {key: value for key, value in values.items() if value is not None},
            'start_time': round(start.timestamp() * 1000) * 1_000_000 if start is not None else None}  # ms dates
