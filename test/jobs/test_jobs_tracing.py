"""Trace context from a producer's W3C headers to the job (the real container on every store), the
service's messaging spans (an SDK tracer provider in this process) and the worker's consumer span."""
import json
import os
import subprocess
import sys

import pytest
import requests
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from service_background.common.tracing.trace_headers import parse_traceparent, parse_tracestate, trace_context_of

from ..helpers import running_container

TRACE_ID, PARENT_ID = '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'
TRACEPARENT = f'00-{TRACE_ID}-{PARENT_ID}-01'
OTHER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'


def test_headers_are_checked_and_capped():
    expected = {'traceparent': TRACEPARENT, 'tracestate': 'a=1,b@c=2'}
    assert trace_context_of(f' {TRACEPARENT} ', 'a=1, ,b@c=2') == expected
    assert parse_traceparent('01-' + TRACEPARENT[3:] + '-later-field') is not None  # a later version may grow
    for bad in ('', 'junk', TRACEPARENT.upper(), 'ff' + TRACEPARENT[2:], TRACEPARENT + '-x',
                f'00-{"0" * 32}-{PARENT_ID}-01', f'00-{TRACE_ID}-{"0" * 16}-01', f'00-{TRACE_ID}-{PARENT_ID}',
                '01-' + TRACEPARENT[3:] + '-' + 'x' * 200):
        assert parse_traceparent(bad) is None, bad
        assert trace_context_of(bad, 'a=1') is None
    assert trace_context_of(TRACEPARENT, 'A=1') == {'traceparent': TRACEPARENT}  # a bad tracestate alone is dropped
    long_state = ','.join(f'k{i}={"v" * 60}' for i in range(20))
    kept = parse_tracestate(long_state)
    assert len(kept) <= 512 and long_state.startswith(kept) and kept.count(',') == 7  # whole members, the first
    assert parse_tracestate(','.join(f'k{i}=1' for i in range(33))) is None  # over W3C's 32 members


def _post(url: str, path: str, body: dict, headers=None) -> requests.Response:
    return requests.post(url + path, json=body, headers=headers, timeout=10)


def test_traceparent_header_reaches_the_job(store_service):
    url = store_service
    headers = {'traceparent': TRACEPARENT, 'tracestate': 'congo=t61rcWkgMzE'}
    r = _post(url, '/jobs', {'queue': 'traced', 'params': 1}, headers)
    assert r.status_code == 202
    queued = requests.get(f'{url}/jobs/{r.json()["id"]}', timeout=10).json()
    assert queued['trace_context'] == {'traceparent': TRACEPARENT, 'tracestate': 'congo=t61rcWkgMzE'}
    # the body's context wins over the headers'; a malformed header is ignored, never an error
    own = _post(url, '/jobs', {'queue': 'traced', 'trace_context': {'traceparent': OTHER}}, headers).json()
    assert own['trace_context'] == {'traceparent': OTHER}
    bad = _post(url, '/jobs', {'queue': 'traced'}, {'traceparent': 'garbage-' + 'x' * 5000})
    assert bad.status_code == 202 and bad.json().get('trace_context') is None
    # the commands API: add_job, add_jobs and add_batch, each new job without its own context
    job = _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'traced'}}, {'traceparent': OTHER}).json()
    assert job['trace_context'] == {'traceparent': OTHER}
    jobs = _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'traced'}, {
        'type': 'traced', 'trace_context': {'traceparent': TRACEPARENT}}]}, {'traceparent': OTHER}).json()
    assert [j['trace_context']['traceparent'] for j in jobs] == [OTHER, TRACEPARENT]
    r = _post(url, '/v1/jobs/add_jobs', {'new_jobs': [{'type': 'traced'}]}, {'traceparent': OTHER[:-1] + 'Z'})
    assert r.status_code == 200 and r.json()[0].get('trace_context') is None
    # the worker that takes it gets the context and names itself on the queue face
    taken = _post(url, '/want_job', {'queue': 'traced', 'worker_id': 'host:1:abcdef'}).json()
    assert taken['id'] == queued['id'] and taken['trace_context']['traceparent'] == TRACEPARENT
    assert taken['worker_id'] == 'host:1:abcdef'
    r = _post(url, '/want_job', {'queue': 'traced', 'worker_id': 'x' * 201})
    assert r.status_code == 400 and r.json()['code'] == 'BAD_WORKER_ID'


class _Gate(SpanProcessor):
    """Hands ended spans to the exporter only while a test here holds it open: the global provider stays set
    for the rest of the process (OpenTelemetry allows one), later tests' spans go nowhere."""

    def __init__(self, exporter: InMemorySpanExporter):
        self.exporter, self.open = exporter, False

    def on_end(self, span):
        if self.open:
            self.exporter.export([span])


@pytest.fixture(scope='module')
def gate():
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    gate = _Gate(InMemorySpanExporter())
    provider.add_span_processor(gate)
    return gate


@pytest.fixture
def exported(gate):
    gate.exporter.clear()
    gate.open = True
    try:
        yield gate.exporter
    finally:
        gate.open = False
        gate.exporter.clear()


def test_service_spans_follow_the_messaging_conventions(exported):
    with running_container(MEMORY_ENABLED='true') as url:  # built now: its controller sees the provider
        done = _post(url, '/jobs', {'queue': 'spans'}, {'traceparent': TRACEPARENT}).json()
        assert _post(url, '/want_job', {'queue': 'spans', 'worker_id': 'w1'}).json()['id'] == done['id']
        assert requests.put(f'{url}/jobs/{done["id"]}', json={'status': 'done'}, timeout=10).status_code == 200
        failed = _post(url, '/v1/jobs/add_job', {'new_job': {'type': 'spans', 'max_retries': 1}},
                       {'traceparent': OTHER}).json()
        taken = _post(url, '/v1/jobs/start_job_by_type', {'type': 'spans', 'timeout': 10000, 'worker_id': 'w2'})
        assert taken.json()['id'] == failed['id']
        assert _post(url, '/v1/jobs/fail_job', {'job_id': failed['id'], 'error': 'boom'}).json()['status'] == 'failed'
        plain = _post(url, '/jobs', {'queue': 'spans'}).json()
    spans = {(span.name, span.attributes['messaging.message.id']): span for span in exported.get_finished_spans()}
    assert set(spans) == {('publish spans', done['id']), ('receive spans', done['id']), ('settle spans', done['id']),
                          ('publish spans', failed['id']), ('receive spans', failed['id']),
                          ('settle spans', failed['id']), ('publish spans', plain['id'])}
    kinds = {'publish': SpanKind.PRODUCER, 'receive': SpanKind.CONSUMER, 'settle': SpanKind.INTERNAL}
    for (name, job_id), span in spans.items():
        operation = name.split()[0]
        assert span.kind == kinds[operation]
        assert span.attributes['messaging.system'] == 'service-background'
        assert span.attributes['messaging.destination.name'] == 'spans'
        assert span.attributes['messaging.operation.type'] == operation
        producer = {done['id']: TRACEPARENT, failed['id']: OTHER}.get(job_id)
        if producer is None:  # no producer context: a root span of its own, no link
            assert span.parent is None and not span.links
            continue
        trace_id, parent_id = int(producer.split('-')[1], 16), int(producer.split('-')[2], 16)
        assert span.context.trace_id == trace_id and span.parent.span_id == parent_id  # the producer's child
        assert [link.context.span_id for link in span.links] == [parent_id]  # and linked to its context
    assert spans[('receive spans', done['id'])].attributes['messaging.client.id'] == 'w1'
    assert spans[('settle spans', done['id'])].attributes['messaging.service_background.status'] == 'done'
    assert spans[('settle spans', done['id'])].status.status_code != StatusCode.ERROR
    settled = spans[('settle spans', failed['id'])]
    assert settled.attributes['messaging.service_background.status'] == 'failed'
    assert settled.status.status_code == StatusCode.ERROR and settled.status.description == 'boom'


_CONSUMER = """
import json, sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from service_background.common.tracing.job_spans import consumer_span

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
tracer = trace.get_tracer('handler')
with consumer_span('emails', 'job-1', {'traceparent': sys.argv[1], 'tracestate': 'a=1'}) as span:
    assert span.is_recording()
    with tracer.start_as_current_span('send mail'):
        pass
try:
    with consumer_span('emails', 'job-2', None):
        raise ValueError('handler failed')
except ValueError:
    pass
print(json.dumps([{'name': s.name, 'kind': s.kind.name, 'trace_id': s.context.trace_id, 'span_id': s.context.span_id,
                   'parent': s.parent.span_id if s.parent else None, 'links': [l.context.span_id for l in s.links],
                   'state': s.parent.trace_state.to_header() if s.parent else None, 'status': s.status.status_code.name,
                   'attributes': dict(s.attributes)} for s in exporter.get_finished_spans()]))
"""


def _run(code: str, *args: str, **env: str) -> str:
    """A fresh interpreter: the worker's tracing is decided once per process."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith('OTEL_')}
    done = subprocess.run([sys.executable, '-c', code, *args], capture_output=True, text=True, timeout=60,
                          env={**environ, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_consumer_span_is_a_child_of_the_producer_and_linked_to_it():
    spans = {span['attributes'].get('messaging.message.id') or span['name']: span
             for span in json.loads(_run(_CONSUMER, TRACEPARENT))}
    process = spans['job-1']
    assert process['name'] == 'process emails'
    assert process['kind'] == 'CONSUMER' and process['trace_id'] == int(TRACE_ID, 16)
    assert process['parent'] == int(PARENT_ID, 16) and process['links'] == [int(PARENT_ID, 16)]
    assert process['state'] == 'a=1'
    assert process['attributes'] == {'messaging.system': 'service-background', 'messaging.operation.type': 'process',
                                     'messaging.operation.name': 'process', 'messaging.destination.name': 'emails',
                                     'messaging.message.id': 'job-1'}
    assert spans['send mail']['parent'] == process['span_id']  # the handler's spans are its children
    untraced = spans['job-2']
    assert untraced['parent'] is None and untraced['links'] == [] and untraced['status'] == 'ERROR'


_ENV_CONFIGURED = """
from service_background.common.tracing.job_spans import consumer_span
with consumer_span('emails', 'job-1', {'traceparent': '%s'}):
    pass
""" % TRACEPARENT

_UNTRACED = """
from service_background.common.tracing.job_spans import consumer_span
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.logic.job_tracing import JobTracing
first = consumer_span('emails', 'job-1', None)
assert first is consumer_span('emails', 'job-2', {'traceparent': '%s'})  # the one shared no-op
with first as span:
    assert span is None
tracing = JobTracing()
tracing.enqueued([JobV1(id='1', type='t')])
from opentelemetry import trace
assert trace.get_tracer_provider().__class__.__name__ == 'ProxyTracerProvider'
print('ok')
""" % TRACEPARENT


def test_standard_environment_variables_turn_tracing_on():
    out = _run(_ENV_CONFIGURED, OTEL_TRACES_EXPORTER='console', OTEL_SERVICE_NAME='mailer')
    decoder, spans, at = json.JSONDecoder(), [], 0
    while out[at:].strip():  # the console exporter prints one JSON object per span
        span, at = decoder.raw_decode(out, len(out) - len(out[at:].lstrip()))
        spans.append(span)
    assert [span['name'] for span in spans] == ['process emails']
    assert spans[0]['kind'] == 'SpanKind.CONSUMER' and spans[0]['parent_id'] == '0x' + PARENT_ID
    assert spans[0]['resource']['attributes']['service.name'] == 'mailer'


def test_untraced_without_a_provider():
    assert _run(_UNTRACED).strip() == 'ok'
    assert _run(_UNTRACED, OTEL_TRACES_EXPORTER='console', OTEL_SDK_DISABLED='true').strip() == 'ok'
