"""HTTP@ jobs: a GET of the job's url, held to its timeout and to the outbound rules."""
import threading
import time
from typing import Callable, Optional
from urllib.parse import urlsplit

import requests

from service_background.common.clients.outbound import OutboundDenied, OutboundPolicy, current_policy, outbound_session
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.logic.cron_executors import MAX_OUTPUT, CronExecution, ExecutionResult, ICronExecutor


class HttpExecutor(ICronExecutor):
    """GETs the url with job_id, job_name and otp_code; any answer below 400 is a success. The
    whole call, body included, is held to the job's timeout. Every connection (redirect hops
    included) obeys the outbound rules (``policy()``, the process's by default): a refused one is a
    failed run whose error says why, and nothing is sent."""

    def __init__(self, policy: Optional[Callable[[], OutboundPolicy]] = None):
        self._local = threading.local()
        self._policy = policy or current_policy

    @property
    def prefix(self) -> str:
        return 'HTTP@'

    @staticmethod
    def url_of(job: CronJobV1) -> str:
        return job.request_url[len('HTTP@'):]

    def validate(self, job: CronJobV1) -> None:
        url = self.url_of(job)
        try:
            parts = urlsplit(url)
        except ValueError as ex:
            raise ValueError(f'request_url: {ex}')
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError('request_url: HTTP@ must be followed by an http:// or https:// URL')

    def _session(self) -> requests.Session:
        session = getattr(self._local, 'session', None)
        if session is None:
            session = self._local.session = outbound_session(self._policy)
        return session

    def execute(self, execution: CronExecution) -> ExecutionResult:
        job = execution.job
        timeout = float(job.timeout)
        deadline = time.monotonic() + timeout
        params = {'job_id': job.job_id, 'job_name': job.name}
        if execution.otp_code:
            params['otp_code'] = execution.otp_code
        # the planned time (unix seconds) lets a target tell runs apart, e.g. to drop a duplicate
        headers = {'X-Cron-Plan-Time': f'{execution.planned_ms / 1000:.3f}'}
        try:
            with self._session().get(self.url_of(job), params=params, headers=headers, timeout=(timeout, timeout),
                                     stream=True, allow_redirects=True) as response:
                body = b''
                for chunk in response.iter_content(4096):
                    if time.monotonic() > deadline:
                        return ExecutionResult(False, response.status_code, f'timeout after {timeout:g}s')
                    if len(body) < MAX_OUTPUT:
                        body += chunk
            output = body[:MAX_OUTPUT].decode('utf-8', 'replace')
            if response.status_code >= 400:
                return ExecutionResult(False, response.status_code, f'HTTP {response.status_code}', output)
            return ExecutionResult(True, response.status_code, None, output)
        except OutboundDenied as ex:
            return ExecutionResult(False, None, f'outbound request refused: {ex}')
        except requests.Timeout:
            return ExecutionResult(False, None, f'timeout after {timeout:g}s')
        except requests.RequestException as ex:
            return ExecutionResult(False, None, f'request failed: {ex}')
