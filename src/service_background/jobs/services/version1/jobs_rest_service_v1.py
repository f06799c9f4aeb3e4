from typing import Any, Optional

import bottle
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor, IReferences
from pip_services3_rpc.services import RestService

from ....common.http_errors import read_json_body
from ....common.json_util import to_json
from ...data.version1 import JobV1
from .queue_headers import priority_header, seconds_header, url_header


def _job_body(job: JobV1) -> str:
    """Seed 002 shows a job with ``queue``: the JobV1 fields plus that alias of ``type``."""
    data = job.to_json()
    data['queue'] = job.type
    bottle.response.content_type = 'application/json'
    return to_json(data)


class JobsRestServiceV1(RestService):
    """Seed 002's queue face over the same controller: POST /jobs, GET/PUT/DELETE /jobs/<id>,
    POST /want_job. Long-polls wait inside the controller on a condition, one endpoint thread each
    (the endpoint's pool is options.threads, 200 by default)."""

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

    def _correlation_id(self) -> Optional[str]:
        return self._get_correlation_id()

    def _enqueue(self) -> str:
        body = read_json_body()
        queue = body.get('queue', body.get('type'))
        if not isinstance(queue, str) or not queue.strip():
            raise BadRequestException(None, 'MISSING_QUEUE', 'queue must be a non-empty string')
        new_job = {'type': queue, 'params': body.get('params'), 'ref_id': body.get('ref_id'),
                   'max_retries': body.get('max_retries'), 'ttl': body.get('ttl'),
                   'priority': priority_header(), 'result_ttl': seconds_header('X-Accepted-Result-TTL'),
                   'callback_url': url_header('X-Accepted-Callback-URL'),
                   'timeout': seconds_header('X-Accepted-Job-Timeout'), 'delay': seconds_header('X-Accepted-Delay')}
        job = self._controller.add_job(self._correlation_id(), new_job)
        bottle.response.status = 202
        bottle.response.headers['Location'] = f'/jobs/{job.id}'
        return _job_body(job)

    def _get(self, job_id: str) -> str:
        wait = seconds_header('X-Accepted-Wait-Result')
        if wait:
            return _job_body(self._controller.wait_job_result(self._correlation_id(), job_id, wait))
        return _job_body(self._controller.get_job_by_id(self._correlation_id(), job_id))

    def _want(self) -> Any:
        body = read_json_body(required_object=False)
        if body is not None and not isinstance(body, dict):
            raise BadRequestException(None, 'BAD_JSON', 'Request body must be a JSON object')
        queue = (body or {}).get('queue') or bottle.request.query.getunicode('queue') or None
        job = self._controller.want_job(self._correlation_id(), queue, seconds_header('X-Accepted-Block-For'),
                                        seconds_header('X-Accepted-Timeout'))
        if job is None:
            bottle.response.status = 204
            return ''
        return _job_body(job)

    def _update(self, job_id: str) -> str:
        body = read_json_body()
        job = self._controller.update_job(self._correlation_id(), job_id, body.get('status'), body.get('result'))
        return _job_body(job)

    def _delete(self, job_id: str) -> str:
        return _job_body(self._controller.delete_job_by_id(self._correlation_id(), job_id))
