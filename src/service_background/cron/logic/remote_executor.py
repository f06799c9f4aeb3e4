"""REMOTE@<node>[,<node>...]: queues the job's exec_command for each named node and waits until every
node reported (or its deadline passed)."""
# Each node's outcome is a run of its own, recorded by the node hub; a node that is unknown, dead or not
# allowed to run commands fails the run at once.
from typing import List

from service_background.common.data import clock
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.logic.cron_executors import CronExecution, ExecutionResult, ICronExecutor
from service_background.cron.logic.cron_nodes import NODE_ID_RULE, CronNodeHub

MAX_NODES = 32


class RemoteExecutor(ICronExecutor):

    def __init__(self, hub: CronNodeHub):
        self._hub = hub

    @property
    def prefix(self) -> str:
        return 'REMOTE@'

    @staticmethod
    def node_ids(job: CronJobV1) -> List[str]:
        ids = [part.strip() for part in job.request_url[len('REMOTE@'):].split(',')]
        if not ids or not all(NODE_ID_RULE.fullmatch(i) for i in ids) or len(ids) > MAX_NODES:
            raise ValueError(f'request_url: use REMOTE@<node_id>[,<node_id>...] with node ids matching '
                             f'[a-zA-Z0-9_.-]{{1,64}} (at most {MAX_NODES})')
        return list(dict.fromkeys(ids))

    def validate(self, job: CronJobV1) -> None:
        self.node_ids(job)
        if not (job.exec_command or '').strip():
            raise ValueError('exec_command: a REMOTE@ job needs the shell command to run')

    def execute(self, execution: CronExecution) -> ExecutionResult:
        job = execution.job
        ids, failures = self._hub.dispatch(job, clock.from_epoch_ms(execution.planned_ms), self.node_ids(job))
        if ids:
            self._hub.wait_closed(ids, self._hub.max_wait_s(float(job.timeout)))
        if failures:
            return ExecutionResult(False, None, '; '.join(failures))
        return ExecutionResult(True, recorded=True)
