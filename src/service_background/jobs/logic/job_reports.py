"""report_jobs: a worker's outcomes (complete, fail, abort, extend, cancel, progress, log) for many jobs in
one call, each fenced by its own lease and refused alone, applied in one write, then optionally the next
take; a worker that names itself is seen by the live workers' registry and told which of its jobs to cancel."""
from typing import Any, Dict, List, Optional, Tuple

from pip_services3_commons.errors import ApplicationException, BadRequestException

from service_background.common.data import clock
from service_background.common.data.validation import optional_non_negative, require_text
from service_background.jobs.data.version1 import JobStatusV1, JobV1
from service_background.jobs.logic import job_outcomes as outcomes
from service_background.jobs.logic.lease_checks import lease_token_arg

MAX_REPORTS = 1000
OUTCOMES = ('complete', 'fail', 'abort', 'extend', 'cancel', 'progress', 'log')

Report = Tuple[str, str, Optional[str], Any]  # job_id, outcome, lease_token, result / error / timeout


def _bad(correlation_id: Optional[str], index: int, message: str) -> BadRequestException:
    return BadRequestException(correlation_id, 'BAD_REPORT', f'reports[{index}]: {message}') \
        .with_details('index', index)


def describe_refusal(error: ApplicationException) -> dict:
    """The slot of a refused report: the ErrorDescription fields a single call would answer with."""
    return {'code': error.code, 'status': error.status, 'message': error.message}


def _rounds(reports: List[Report]) -> List[List[int]]:
    """Report indexes split so that no job appears twice in one round: a job reported twice (extend,
    then complete) sees its first outcome applied before the second."""
    rounds: List[List[int]] = []
    seen: Dict[str, int] = {}
    for index, report in enumerate(reports):
        count = seen.get(report[0], 0)
        seen[report[0]] = count + 1
        if count == len(rounds):
            rounds.append([])
        rounds[count].append(index)
    return rounds


def lease_timeout(correlation_id: Optional[str], timeout: Any) -> Optional[float]:
    """A call's lease ``timeout`` (ms): None when not given or 0 (the job's own, else the default)."""
    return optional_non_negative(correlation_id, 'timeout', timeout, None) or None


class JobReports:
    """Part of the jobs controller: ``take(correlation_id, type, timeout, limit)`` is its start_jobs_by_type."""

    def __init__(self, persistence, options, features, events, take, running):
        self._persistence = persistence
        self._options = options
        self._features = features
        self._events = events
        self._take = take
        self._running = running

    def report_jobs(self, correlation_id: Optional[str], reports: Any, take: Any = None,
                    quiet: Any = False, worker: Any = None) -> dict:
        """Applies ``reports`` in order, each as its single call would (complete_job, fail_job with its
        backoff, abort_job, extend_job) but refused alone: ``results[i]`` is None when report i was
        applied, else the ErrorDescription fields (code, status, message) of its refusal (409 LEASE_LOST,
        404 JOB_NOT_FOUND, 409 JOB_FINISHED / JOB_NOT_RUNNING). All of them are one write (memory and
        file: one lock hold, one journal group and fsync, the take's included; MongoDB: one find and one
        bulk_write; a job reported twice adds a round).

        ``take`` {type, limit, timeout}: afterwards, ``jobs`` is what start_jobs_by_type would take.
        The whole body is checked before anything changes (400 BAD_REPORT / BAD_LIMIT ...). No reported
        job is ever echoed back, so ``quiet`` changes nothing in the reply.

        ``worker`` {id, host, pid, version, types, concurrency, running, busy, idle, heartbeat_ms}: the caller,
        seen now by the live workers' registry; the jobs taken carry its id, and the reply's ``cancel`` lists
        those of ``worker.running`` whose cancel was requested."""
        parsed = self._parse_reports(correlation_id, reports)
        take_args = self._parse_take(correlation_id, take)
        if quiet is not None and not isinstance(quiet, bool):
            raise BadRequestException(correlation_id, 'BAD_QUIET', 'quiet must be a boolean')
        worker_id = self._running.worker_seen(correlation_id, worker) if worker is not None else None
        results: List[Optional[dict]] = [None] * len(parsed)
        with self._persistence.batch():  # file: the reports and the take share one journal group and fsync
            for indexes in _rounds(parsed):
                self._apply_reports(correlation_id, [parsed[i] for i in indexes], indexes, results)
            jobs: List[JobV1] = self._take(correlation_id, *take_args, worker_id) if take_args else []
        reply: Dict[str, Any] = {'results': results, 'jobs': jobs}
        if worker is not None:
            reply['cancel'] = self._running.cancel_requested(correlation_id, worker)
        return reply

    def _parse_reports(self, correlation_id: Optional[str], reports: Any) -> List[Report]:
        if reports is None:
            return []
        if not isinstance(reports, list) or len(reports) > MAX_REPORTS:
            raise BadRequestException(correlation_id, 'BAD_REPORTS',
                                      f'reports must be a list of 0..{MAX_REPORTS} reports')
        parsed = []
        for index, report in enumerate(reports):
            if not isinstance(report, dict):
                raise _bad(correlation_id, index, 'a report must be an object {job_id, lease_token, outcome}')
            outcome = report.get('outcome')
            if outcome not in OUTCOMES:
                raise _bad(correlation_id, index, f'outcome must be one of {", ".join(OUTCOMES)}')
            job_id = require_text(correlation_id, 'job_id', report.get('job_id'))
            token = lease_token_arg(correlation_id, report.get('lease_token'))
            if outcome == 'complete':
                value = report.get('result')
            elif outcome == 'fail':
                value = report.get('error')
                if value is not None and not isinstance(value, str):
                    raise _bad(correlation_id, index, 'error must be a string')
                value = value or 'failed'
            elif outcome == 'extend':
                value = lease_timeout(correlation_id, report.get('timeout'))
            elif outcome == 'progress':  # checked when applied: a bad one is refused alone, in its slot
                value = (report.get('progress'), report.get('message'))
            elif outcome == 'log':
                value = report.get('lines')  # checked by the logs component (400 BAD_LINES)
            else:
                value = None
            parsed.append((job_id, outcome, token, value))
        return parsed

    def _parse_take(self, correlation_id: Optional[str], take: Any) -> Optional[tuple]:
        """start_jobs_by_type's (type, timeout, limit), checked before any report is applied."""
        if take is None:
            return None
        if not isinstance(take, dict):
            raise BadRequestException(correlation_id, 'BAD_TAKE', 'take must be an object {type, limit, timeout}')
        type = require_text(correlation_id, 'type', take.get('type'))
        timeout = lease_timeout(correlation_id, take.get('timeout'))
        limit = optional_non_negative(correlation_id, 'limit', take.get('limit'), 1)
        if limit != int(limit) or not 1 <= limit <= MAX_REPORTS:
            raise BadRequestException(correlation_id, 'BAD_LIMIT', f'limit must be an integer 1..{MAX_REPORTS}')
        return type, timeout, int(limit)

    def _apply_reports(self, correlation_id: Optional[str], reports: List[Report], indexes: List[int],
                       results: List[Optional[dict]]):
        """One modify_many over distinct jobs; a refusal is kept in its slot, never raised."""
        by_id = {report[0]: report for report in reports}
        refused: Dict[str, dict] = {}
        now = clock.now()
        keep_ms, default_timeout = self._options.get('finished_ttl'), self._options.get('default_timeout')
        retry, limits = self._options.retry, self._features.limits
        logged: Dict[str, Any] = {}  # lines of the jobs whose lease held: no write to the job itself

        def change(job: Optional[JobV1]) -> Optional[JobV1]:
            if job is None:
                return None  # an unknown id: JOB_NOT_FOUND below
            job_id, outcome, token, value = by_id[job.id]
            try:
                if outcome == 'log':
                    outcomes.require_running(correlation_id, job_id, job, token)
                    logged[job_id] = value
                    refused.pop(job_id, None)
                    return None
                if outcome == 'complete':
                    new = outcomes.finish(correlation_id, job_id, job, token, now, JobStatusV1.Done, value, None,
                                          keep_ms)
                elif outcome == 'fail':
                    new = outcomes.finish(correlation_id, job_id, job, token, now, JobStatusV1.Failed, None, value,
                                          keep_ms, retry)
                elif outcome == 'abort':
                    new = outcomes.abort(correlation_id, job_id, job, token, now, keep_ms)
                elif outcome == 'cancel':
                    new = outcomes.cancelled(correlation_id, job_id, job, token, now, keep_ms)
                elif outcome == 'progress':
                    new = outcomes.progress(correlation_id, job_id, job, token,
                                            outcomes.check_progress(correlation_id, *value))
                else:
                    new = outcomes.extend(correlation_id, job_id, job, token, now, value, default_timeout)
            except ApplicationException as ex:
                refused[job_id] = describe_refusal(ex)
                return None
            refused.pop(job_id, None)  # MongoDB may call again after a lost race
            return new
        stored = self._persistence.modify_many(correlation_id, [report[0] for report in reports], change)
        finished, released = [], []
        for index, report, job in zip(indexes, reports, stored):
            if report[0] in logged:
                continue
            if job is None:
                results[index] = refused.get(report[0]) or \
                    describe_refusal(outcomes.not_found(correlation_id, report[0]))
            elif report[1] == 'extend':
                limits.job_extended(job)  # a limited type's slot lasts as long as the lease
            elif report[1] == 'progress':
                continue
            elif job.is_finished:
                finished.append(job)
            else:
                limits.job_left(job)
                released.append(job)
        if logged:
            self._append_logs(correlation_id, logged, {report[0]: index for index, report in zip(indexes, reports)},
                              results)
        if released:
            self._events.jobs_enqueued(released)
        if finished:
            self._events.jobs_finished(finished)

    def _append_logs(self, correlation_id: Optional[str], logged: Dict[str, Any], index_of: Dict[str, int],
                     results: List[Optional[dict]]):
        """The lines in one write; when that is refused (a malformed line), each job's alone, refused in its slot."""
        try:
            self._running.append_logs(correlation_id, logged)
            return
        except ApplicationException:
            pass
        for job_id, lines in logged.items():
            try:
                self._running.append_logs(correlation_id, {job_id: lines})
            except ApplicationException as ex:
                results[index_of[job_id]] = describe_refusal(ex)
