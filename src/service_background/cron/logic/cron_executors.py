"""What an executor is and which one runs a job, chosen by the prefix of its request_url."""
# ``HTTP@``, ``LUA@``, ``REMOTE@`` and ``JOB@`` (http_executor.py, lua_executor.py, remote_executor.py,
# job_executor.py) are built into the controller, since they need its Lua runtime, node hub and the jobs
# controller. More plug in as components with the descriptor
# ``service-background-cron:executor:<kind>:*:1.0`` that implement ICronExecutor: the controller
# registers every one it finds in its references. A job whose prefix has no executor is rejected with
# 400, never stored to fail later.
from abc import ABC, abstractmethod
from typing import Dict, Optional

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
