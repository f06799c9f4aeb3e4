"""The queue API (POST /jobs, /want_job, GET/PUT/DELETE /jobs/<id>) over the jobs controller."""
from typing import Optional

from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor, IReferences

from service_background.common.concurrency.blocking import run_sync
from service_background.common.http.errors import read_json_body
from service_background.common.http.request import current_request
from service_background.common.http.response import HttpResponse, send_json
from service_background.common.services.rest_service import RestService
from service_background.common.tracing.trace_headers import request_trace_context
from service_background.jobs.data.version1 import JobV1
from service_background.jobs.services.version1.queue_headers import (
    priority_header,
    seconds_header,
    url_header,
    wait_header,
)


def _job_body(job: JobV1, status: int = 200, headers: Optional[dict] = None) -> HttpResponse:
    """The queue API shows a job with ``queue``: the JobV1 fields plus that alias of ``type``."""
    data = job.to_json()
    data['queue'] = job.type
    return send_json(data, status, headers)


class JobsRestServiceV1(RestService):
    """The queue API over the same controller: POST /jobs, GET/PUT/DELETE /jobs/<id>,
    POST /want_job. Long-polls (want_job, X-Accepted-Wait-Result) are awaited on the event loop:
    a waiting client holds no thread."""

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-jobs', 'controller', 'default', '*', '1.0'))
        self._controller = None

    def set_references(self, references: IReferences):
        super().set_references(references)
        self._controller = self._dependency_resolver.get_one_required('controller')

    def register(self):
        self.register_route('POST', '/jobs', None, self._enqueue)
        self.register_route('GET', '/jobs/<job_id>', None, self._get)
        self.register_route('PUT', '/jobs/<job_id>', None, self._update)
        self.register_route('DELETE', '/jobs/<job_id>', None, self._delete)
        self.register_route('POST', '/want_job', None, self._want)
        self.register_route('POST', '/want_job/', None, self._want)

    def _enqueue(self) -> HttpResponse:
        body = read_json_body()
        queue = body.get('queue', body.get('type'))
        if not isinstance(queue, str) or not queue.strip():
            raise BadRequestException(None, 'MISSING_QUEUE', 'queue must be a non-empty string')
        new_job = {'type': queue, 'params': body.get('params'), 'ref_id': body.get('ref_id'),
                   'max_retries': body.get('max_retries'), 'ttl': body.get('ttl'),
                   'priority': priority_header(), 'result_ttl': seconds_header('X-Accepted-Result-TTL'),
                   'callback_url': url_header('X-Accepted-Callback-URL'),
                   'timeout': seconds_header('X-Accepted-Job-Timeout'), 'delay': seconds_header('X-Accepted-Delay'),
                   # unique, backoff, depends_on (jobs/logic/job_uniqueness.py, job_backoff.py, job_dependencies.py)
                   'unique': body.get('unique'), 'backoff': body.get('backoff'), 'depends_on': body.get('depends_on'),
                   # a retry after a 503 sends the same key: the first job answers (idempotency_keys.py)
                   'idempotency_key': body.get('idempotency_key', current_request().header('Idempotency-Key')),
                   # the producer's W3C trace context: the body's, else its traceparent/tracestate headers
                   'trace_context': body.get('trace_context')}
        if new_job['trace_context'] is None:
            new_job['trace_context'] = request_trace_context()
        job = self._controller.add_job(self._get_correlation_id(), new_job)
        return _job_body(job, 202, {'Location': f'/jobs/{job.id}'})

    async def _get(self, job_id: str) -> HttpResponse:
        wait = wait_header('X-Accepted-Wait-Result')
        if wait:
            return _job_body(await self._controller.wait_job_result_async(self._get_correlation_id(), job_id, wait))
        return _job_body(await run_sync(self._blocking, self._controller.get_job_by_id,
                                        self._get_correlation_id(), job_id))

    async def _want(self) -> HttpResponse:
        body = read_json_body(required_object=False)
        if body is not None and not isinstance(body, dict):
            raise BadRequestException(None, 'BAD_JSON', 'Request body must be a JSON object')
        queue = (body or {}).get('queue') or current_request().query('queue') or None
        worker_id = (body or {}).get('worker_id')  # stamped on the job taken (the controller checks it)
        job = await self._controller.want_job_async(self._get_correlation_id(), queue,
                                                    wait_header('X-Accepted-Block-For'),  # capped at max_wait
                                                    seconds_header('X-Accepted-Timeout'), worker_id=worker_id)
        return _job_body(job) if job is not None else HttpResponse(204, b'', None)

    def _update(self, job_id: str) -> HttpResponse:
        """Fenced by ``lease_token`` in the body or the ``X-Accepted-Lease`` header (the body wins);
        without either the PUT is not fenced, as the queue API always had it."""
        body = read_json_body()
        token = body.get('lease_token')
        if token is None:
            token = current_request().header('X-Accepted-Lease') or None
        return _job_body(self._controller.update_job(self._get_correlation_id(), job_id, body.get('status'),
                                                     body.get('result'), token))

    def _delete(self, job_id: str) -> HttpResponse:
        return _job_body(self._controller.delete_job_by_id(self._get_correlation_id(), job_id))
