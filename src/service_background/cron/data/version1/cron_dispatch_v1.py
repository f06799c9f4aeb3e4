"""CronDispatchV1: one REMOTE@ execution handed to a worker node, and its outcome."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1

QUEUED, RUNNING, DONE, FAILED, EXPIRED = 'queued', 'running', 'done', 'failed', 'expired'
OPEN_STATUSES = (QUEUED, RUNNING)
CLOSED_STATUSES = (DONE, FAILED, EXPIRED)


class CronDispatchV1(DataObjectV1):
    """One REMOTE@ execution handed to one node, kept in a durable queue until the node reports
    (or the deadlines pass): queued -> running (taken by the node) -> done | failed | expired."""

    _date_fields = frozenset({'planned_time', 'created', 'take_until', 'taken', 'report_until', 'finished'})

    def __init__(self, id: Optional[str] = None, group_name: Optional[str] = None, node_id: Optional[str] = None,
                 job_id: Optional[str] = None, job_name: Optional[str] = None, command: str = '',
                 timeout: float = 60, planned_time: Optional[datetime] = None, created: Optional[datetime] = None,
                 take_until: Optional[datetime] = None, taken: Optional[datetime] = None,
                 report_until: Optional[datetime] = None, status: str = QUEUED, exit_code: Optional[int] = None,
                 stdout: Optional[str] = None, stderr: Optional[str] = None, error: Optional[str] = None,
                 duration_ms: float = 0, finished: Optional[datetime] = None):
        self.id = id
        self.group_name = group_name
        self.node_id = node_id
        self.job_id = job_id
        self.job_name = job_name
        self.command = command
        self.timeout = timeout
        self.planned_time = planned_time
        self.created = created
        self.take_until = take_until
        self.taken = taken
        self.report_until = report_until
        self.status = status
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.error = error
        self.duration_ms = duration_ms
        self.finished = finished

    def for_node(self) -> dict:
        """What a polling node receives."""
        data = self.to_json()
        return {k: data[k] for k in ('id', 'group_name', 'node_id', 'job_id', 'job_name', 'command', 'timeout',
                                     'planned_time')}
