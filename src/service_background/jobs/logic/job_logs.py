"""Job logs: the lines a running job's handler logged, kept per job within bounds (job_log_line_v1.py), read a
page at a time, removed with the job and swept when their job is gone.

``JobLogs`` (``service-background-jobs:logs:default:default:1.0``) checks lines and pages and keeps them in its
persistence (``dependencies.persistence``, ``service-background-jobs:persistence-logs:*:*:1.0``). The jobs
controller finds it by that descriptor, checks the job and its lease before ``append`` and calls ``sweep`` from
its cleaner. Options: ``options.sweep_page`` (job ids asked about at once), ``options.sweep_pages`` (pages one
sweep call walks at most; the next call goes on from there, wrapping around at the end)."""
from typing import Any, Callable, Dict, List, Optional, Set

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import DependencyResolver, IReferenceable, IReferences

from service_background.common.data import clock
from service_background.jobs.data.version1.job_log_line_v1 import (
    DEFAULT_LEVEL,
    MAX_LEVEL_LENGTH,
    MAX_LINES,
    cut_message,
)
from service_background.jobs.persistence.i_job_logs_persistence import IJobLogsPersistence

MAX_LINES_PER_CALL = 10 * MAX_LINES  # every job's lines in one call (report_jobs brings several jobs')
DEFAULT_TAKE = 100
MAX_TAKE = 1000


def _bad_lines(correlation_id: Optional[str], message: str) -> BadRequestException:
    return BadRequestException(correlation_id, 'BAD_LINES', message)


def _line(correlation_id: Optional[str], line: Any, now: str) -> dict:
    """A line as the stores keep it: level defaulted, time as ISO text (now by default), message cut."""
    if not isinstance(line, dict):
        raise _bad_lines(correlation_id, 'each line must be an object {time?, level?, message}')
    message, level, time = line.get('message'), line.get('level'), line.get('time')
    if not isinstance(message, str):
        raise _bad_lines(correlation_id, 'a line\'s message must be a string')
    if level is None:
        level = DEFAULT_LEVEL
    elif not isinstance(level, str) or not 0 < len(level) <= MAX_LEVEL_LENGTH:
        raise _bad_lines(correlation_id, f'a line\'s level must be a string of 1..{MAX_LEVEL_LENGTH} characters')
    if time is None:
        time = now
    else:
        try:
            time = clock.to_iso(clock.to_datetime(time)) if isinstance(time, str) else None
        except BadRequestException:
            time = None
        if time is None:
            raise _bad_lines(correlation_id, 'a line\'s time must be an ISO 8601 date')
    if '\x00' in message:  # no store keeps a NUL (PostgreSQL text refuses it)
        message = message.replace('\x00', '\ufffd')
    return {'time': time, 'level': level, 'message': cut_message(message)}


def check_lines(correlation_id: Optional[str], lines_by_job: Any) -> Dict[str, List[dict]]:
    """Each job's lines checked and filled in; 400 BAD_LINES for anything malformed."""
    if not isinstance(lines_by_job, dict):
        raise _bad_lines(correlation_id, 'lines must be given per job')
    now = clock.to_iso(clock.now())
    checked, total = {}, 0
    for job_id, lines in lines_by_job.items():
        if not isinstance(lines, list):
            raise _bad_lines(correlation_id, 'lines must be a list of {time?, level?, message}')
        total += len(lines)
        if len(lines) > MAX_LINES or total > MAX_LINES_PER_CALL:
            raise _bad_lines(correlation_id, f'at most {MAX_LINES} lines per job and {MAX_LINES_PER_CALL} per call')
        checked[job_id] = [_line(correlation_id, line, now) for line in lines]
    return checked


def _count(correlation_id: Optional[str], name: str, value: Any, default: int, maximum: Optional[int]) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (maximum is not None and value > maximum):
        limit = f'0..{maximum}' if maximum is not None else 'at least 0'
        raise BadRequestException(correlation_id, 'BAD_' + name.upper(), f'{name} must be a whole number, {limit}') \
            .with_details('field', name)
    return value


class JobLogs(IConfigurable, IReferenceable):
    """Nothing to open: its persistence is the container's to open and close."""

    _default_config = ConfigParams.from_tuples(
        'dependencies.persistence', 'service-background-jobs:persistence-logs:*:*:1.0',
        'options.sweep_page', 500,
        'options.sweep_pages', 20)

    def __init__(self):
        self._dependency_resolver = DependencyResolver(self._default_config)
        self._persistence: Optional[IJobLogsPersistence] = None
        self._sweep_page = 500
        self._sweep_pages = 20
        self._sweep_after: Optional[str] = None  # where the next sweep call goes on

    def configure(self, config: ConfigParams):
        config = config.set_defaults(self._default_config)
        self._dependency_resolver.configure(config)
        self._sweep_page = max(1, config.get_as_integer('options.sweep_page'))
        self._sweep_pages = max(1, config.get_as_integer('options.sweep_pages'))

    def set_references(self, references: IReferences):
        self._dependency_resolver.set_references(references)
        self._persistence = self._dependency_resolver.get_one_required('persistence')

    @property
    def blocking(self):
        """Whether calls may block on I/O, as the persistence says (the services then run them off the loop)."""
        return getattr(self._persistence, 'blocking', True)

    def append(self, correlation_id: Optional[str], lines_by_job: Dict[str, Any]) -> Dict[str, int]:
        """Adds each job's lines (the caller checked the jobs and their leases); the lines kept now per job."""
        return self._persistence.append(correlation_id, check_lines(correlation_id, lines_by_job))

    def get_log(self, correlation_id: Optional[str], job_id: str, skip: Any = None, take: Any = None) -> dict:
        """``{job_id, lines, total, dropped}``: ``take`` (100 by default, at most 1000) lines from ``skip``."""
        return self._persistence.get_log(correlation_id, job_id, _count(correlation_id, 'skip', skip, 0, None),
                                         _count(correlation_id, 'take', take, DEFAULT_TAKE, MAX_TAKE))

    def remove(self, correlation_id: Optional[str], job_ids: List[str]):
        if job_ids:
            self._persistence.delete_by_job_ids(correlation_id, list(job_ids))

    def clear(self, correlation_id: Optional[str]):
        self._persistence.clear(correlation_id)
        self._sweep_after = None

    def sweep(self, correlation_id: Optional[str], existing: Callable[[List[str]], Set[str]]) -> int:
        """Removes the logs whose job is gone (``existing(ids)``: the ids of those that still exist), a page
        of job ids at a time, at most ``sweep_pages`` pages per call; the number of logs removed."""
        removed = 0
        for _ in range(self._sweep_pages):
            ids = self._persistence.get_job_ids(correlation_id, self._sweep_after, self._sweep_page)
            self._sweep_after = ids[-1] if len(ids) == self._sweep_page else None  # a short page: the end
            alive = existing(ids) if ids else set()
            gone = [job_id for job_id in ids if job_id not in alive]
            self.remove(correlation_id, gone)
            removed += len(gone)
            if self._sweep_after is None:
                break
        return removed
