"""A small client of the jobs queue face (/jobs, /want_job) for worker scripts: one kept-alive session, seconds
for every duration (as the X-Accepted-* headers), typed JobV1 results."""
from typing import Any, Dict, Optional

import requests
from pip_services3_commons.errors import ApplicationExceptionFactory, ErrorDescription

from service_background.jobs.data.version1 import JobV1


class JobsQueueClient:

    def __init__(self, url: str = 'http://localhost:8080', request_timeout: float = 30.0,
                 token: Optional[str] = None):
        """``token``: an API token (scope ``jobs``), sent as ``Authorization: Bearer``."""
        self._url = url.rstrip('/')
        self._timeout = request_timeout
        self._session = requests.Session()
        if token:
            self._session.headers['Authorization'] = 'Bearer ' + token

    def close(self) -> None:
        self._session.close()

    @staticmethod
    def _headers(**values: Any) -> Dict[str, str]:
        names = {'priority': 'X-Accepted-Priority', 'result_ttl': 'X-Accepted-Result-TTL',
                 'callback_url': 'X-Accepted-Callback-URL', 'job_timeout': 'X-Accepted-Job-Timeout',
                 'delay': 'X-Accepted-Delay', 'block_for': 'X-Accepted-Block-For', 'timeout': 'X-Accepted-Timeout',
                 'wait': 'X-Accepted-Wait-Result'}
        return {names[k]: str(v) for k, v in values.items() if v is not None}

    def _call(self, method: str, path: str, wait: float = 0, **kwargs: Any) -> Any:
        """The reply's JSON, None for 204 No Content; an error reply is raised as its ApplicationException."""
        response = self._session.request(method, self._url + path, timeout=self._timeout + wait, **kwargs)
        if response.status_code == 204:
            return None
        if response.status_code >= 400:
            description = ErrorDescription()
            try:
                for key, value in response.json().items():
                    setattr(description, key, value)
            except ValueError:
                description.message = response.text
            description.status = description.status or response.status_code
            raise ApplicationExceptionFactory.create(description)
        return response.json()

    def add_job(self, queue: str, params: Any = None, priority: Optional[int] = None,
                result_ttl: Optional[float] = None, callback_url: Optional[str] = None,
                job_timeout: Optional[float] = None, delay: Optional[float] = None,
                idempotency_key: Optional[str] = None) -> JobV1:
        """With ``idempotency_key``, a call repeated after a 503 or a lost answer returns the first job."""
        body: Dict[str, Any] = {'queue': queue, 'params': params}
        if idempotency_key is not None:
            body['idempotency_key'] = idempotency_key
        return JobV1.from_json(self._call('POST', '/jobs', json=body, headers=self._headers(
            priority=priority, result_ttl=result_ttl, callback_url=callback_url, job_timeout=job_timeout,
            delay=delay)))

    def want_job(self, block_for: Optional[float] = None, timeout: Optional[float] = None,
                 queue: Optional[str] = None) -> Optional[JobV1]:
        """A job to work on, waiting up to ``block_for`` s; the lease is ``timeout`` s. None: no job."""
        return JobV1.from_json(self._call('POST', '/want_job', wait=block_for or 0,
                                          json={'queue': queue} if queue else None,
                                          headers=self._headers(block_for=block_for, timeout=timeout)))

    def finish(self, job_id: str, result: Any = None, status: str = 'done', lease_token: Optional[str] = None) -> JobV1:
        """PUT /jobs/<id>; with ``lease_token`` (the job's from want_job) a lost lease is a 409 LEASE_LOST."""
        body: Dict[str, Any] = {'status': status, 'result': result}
        if lease_token is not None:
            body['lease_token'] = lease_token
        return JobV1.from_json(self._call('PUT', f'/jobs/{job_id}', json=body))

    def get_job(self, job_id: str, wait: Optional[float] = None) -> JobV1:
        return JobV1.from_json(self._call('GET', f'/jobs/{job_id}', wait=wait or 0, headers=self._headers(wait=wait)))

    def delete_job(self, job_id: str) -> JobV1:
        return JobV1.from_json(self._call('DELETE', f'/jobs/{job_id}'))
