"""JOB@<type>: each firing enqueues one job of ``<type>`` into the jobs domain of this process, exactly
once per tick, several processes included."""
# JOB@<type>: each firing enqueues one job of ``<type>`` into the jobs domain of this process, its
# params the JSON in ``exec_command`` (empty: no params), its ``ref_id`` ``<group>:<job_id>:<planned time
# ISO>``. The run's output is ``{"job_id", "ref_id", "existing"}``: the id of the job the tick made or
# found; ``existing`` is true when that job was created before this firing started (a repeat of a tick
# that had fired; two firings racing at the same instant both say false, yet share one job).
#
# Exactly once per tick, several processes included: a tick is claimed in the cron store before it
# runs (one process wins the claim: cron_runner.py), and the enqueue is idempotent on top of that, so a
# tick that still fires twice enqueues one job. A tick can fire twice when its ``next_run`` is set back
# onto a planned time that already fired: an edit/active/import re-plans from the local clock, so a
# process whose clock is behind the one that fired can plan the same tick again; a claim does not
# expire, so a slow or killed process never hands its tick to another one (a process killed between
# its claim, up to 300 ms ahead on a shared store, and the enqueue loses that tick instead: at most one
# per job per kill).
#
# Uniqueness used: ``NewJobV1.unique = {until: "ttl", ttl: 1 day}`` through ``JobsController.add_job``
# (key: type + ref_id, the key space add_uniq_job uses too; on MongoDB one insert wins
# through the unique index on the lock key, on memory/file the check and insert are one step). Not
# add_uniq_job: its lock ends when the job finishes, so a repeat of a tick whose job a worker had already
# finished would enqueue it again; a ttl lock outlives the job. A day is far beyond any repeat of a tick
# (re-plans are off by clock skew, seconds); deleting the job (by hand, or the jobs cleaner after
# ``finished_ttl``, a day by default) ends the lock sooner.
#
# The jobs controller is optional (descriptor ``service-background-jobs:controller:default:*:1.0``):
# without it (``JOBS_DISABLED``) a JOB@ job is refused at add/edit/import with 400 BAD_REQUEST_URL, and
# a JOB@ job stored by another process fails its runs here with that reason.
import json
import time
from typing import Any, Optional

from service_background.common.data import clock
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.logic.cron_executors import CronExecution, ExecutionResult, ICronExecutor

MAX_TYPE = 256
UNIQUE_TTL_MS = 86_400_000  # the tick's lock on its ref_id: one day (see above)
RETRY_PAUSES_S = (0.1, 0.3, 1.0)  # a failed enqueue (e.g. a database hiccup) is retried within the timeout
NO_JOBS = ('request_url: JOB@ jobs need the jobs domain in this process, which is not there '
           '(JOBS_DISABLED)')


def ref_id_of(job: CronJobV1, planned_ms: int) -> str:
    """``<group>:<job_id>:<planned time ISO>``: the same on every process for one tick."""
    return f'{job.group_name}:{job.job_id}:{clock.to_iso(clock.from_epoch_ms(planned_ms))}'


class JobExecutor(ICronExecutor):

    def __init__(self, jobs: Optional[Any]):
        self._jobs = jobs  # the jobs controller, or None when the jobs domain is not in the process

    @property
    def prefix(self) -> str:
        return 'JOB@'

    @staticmethod
    def type_of(job: CronJobV1) -> str:
        return job.request_url[len('JOB@'):].strip()

    @staticmethod
    def params_of(job: CronJobV1) -> Any:
        text = job.exec_command or ''
        return json.loads(text) if text.strip() else None

    def validate(self, job: CronJobV1) -> None:
        if self._jobs is None:
            raise ValueError(NO_JOBS)
        job_type = self.type_of(job)
        if not job_type or len(job_type) > MAX_TYPE:
            raise ValueError(f'request_url: use JOB@<type> with the job type (1..{MAX_TYPE} characters)')
        try:
            self.params_of(job)
        except ValueError as ex:
            raise ValueError(f'exec_command: a JOB@ job takes the params of its jobs as JSON here: {ex}')

    def _enqueue(self, new_job: dict):
        return self._jobs.add_job(None, dict(new_job, unique={'until': 'ttl', 'ttl': UNIQUE_TTL_MS}))

    def execute(self, execution: CronExecution) -> ExecutionResult:
        if self._jobs is None:
            return ExecutionResult(False, None, NO_JOBS[len('request_url: '):])
        job = execution.job
        ref_id = ref_id_of(job, execution.planned_ms)
        try:
            new_job = {'type': self.type_of(job), 'ref_id': ref_id, 'params': self.params_of(job)}
        except ValueError as ex:
            return ExecutionResult(False, None, f'exec_command: {ex}')
        deadline = time.monotonic() + float(job.timeout)
        started = clock.now()
        for attempt in range(len(RETRY_PAUSES_S) + 1):
            try:
                enqueued = self._enqueue(new_job)
                break
            except Exception as ex:
                status = getattr(ex, 'status', 500)
                pause = RETRY_PAUSES_S[attempt] if attempt < len(RETRY_PAUSES_S) else None
                # a refusal (4xx) will not change; anything else is retried: the ref_id makes it safe
                if (isinstance(status, int) and status < 500) or pause is None \
                        or time.monotonic() + pause > deadline:
                    return ExecutionResult(False, status if isinstance(status, int) else None,
                                           f'enqueue failed: {ex}')
                time.sleep(pause)
        existing = enqueued.ref_id == ref_id and enqueued.created is not None and enqueued.created < started
        output = json.dumps({'job_id': enqueued.id, 'ref_id': ref_id, 'existing': existing})
        return ExecutionResult(True, None, None, output)
