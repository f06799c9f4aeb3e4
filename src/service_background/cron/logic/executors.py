"""How a job runs, chosen by the prefix of its request_url. ``HTTP@`` is here; ``LUA@``, ``REMOTE@`` and
``JOB@`` (lua_executor.py, remote_executor.py, job_executor.py) are built into the controller, since
they need its Lua runtime, node hub and the jobs controller. More plug in as components with the descriptor
``service-background-cron:executor:<kind>:*:1.0`` that implement ICronExecutor: the controller
registers every one it finds in its references. A job whose prefix has no executor is rejected with
400, never stored to fail later."""
import threading
import time
from abc import ABC, abstractmethod
from typing import Callable, Dict, Optional
from urllib.parse import urlsplit

import requests

from service_background.common.clients.outbound import OutboundDenied, OutboundPolicy, current_policy, outbound_session

from service_background.cron.data.version1 import CronGroupV1, CronJobV1

KNOWN_PREFIXES = ('HTTP@', 'LUA@', 'REMOTE@', 'JOB@')
MAX_OUTPUT = 1024


class CronExecution:
    """What an executor gets: the job as claimed, its planned time and the group's current OTP."""

    def __init__(self, job: CronJobV1, group: Optional[CronGroupV1], planned_ms: int, otp_code: Optional[str]):
        self.job = job
        self.group = group
        self.planned_ms = planned_ms
        self.otp_code = otp_code


class ExecutionResult:

    def __init__(self, ok: bool, code: Optional[int] = None, error: Optional[str] = None,
                 output: Optional[str] = None, recorded: bool = False):
        self.ok = ok
        self.code = code
        self.error = error
        self.output = output
        # the executor recorded the outcome itself (REMOTE@: each node's report is a run of its own)
        self.recorded = recorded


class ICronExecutor(ABC):

    @property
    @abstractmethod
    def prefix(self) -> str:
        """The request_url prefix this executor serves, e.g. ``HTTP@``."""

    @abstractmethod
    def validate(self, job: CronJobV1) -> None:
        """Raises ValueError (message names the field) when the job cannot run here."""

    @abstractmethod
    def execute(self, execution: CronExecution) -> ExecutionResult:
        """Runs the job within its timeout; reports failures in the result rather than raising."""


def split_prefix(request_url: str) -> str:
    """The ``XXX@`` prefix of a request_url, or raises ValueError."""
    if not isinstance(request_url, str) or '@' not in request_url:
        raise ValueError(f'request_url: must start with one of {", ".join(KNOWN_PREFIXES)}')
    return request_url[:request_url.index('@') + 1].upper()


class CronExecutors:
    """The registry: prefix -> executor."""

    def __init__(self):
        self._executors: Dict[str, ICronExecutor] = {}

    def register(self, executor: ICronExecutor):
        self._executors[executor.prefix.upper()] = executor

    def get(self, request_url: str) -> ICronExecutor:
        prefix = split_prefix(request_url)
        executor = self._executors.get(prefix)
        if executor is None:
            if prefix in KNOWN_PREFIXES:
                raise ValueError(f'request_url: {prefix} jobs are not supported yet')
            raise ValueError(f'request_url: unknown prefix {prefix}; use one of {", ".join(KNOWN_PREFIXES)}')
        return executor

    def validate(self, job: CronJobV1):
        self.get(job.request_url).validate(job)


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
