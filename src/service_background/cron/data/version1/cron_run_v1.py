"""CronRunV1: one run of a cron job, its planned and actual times and its outcome."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class CronRunV1(DataObjectV1):
    """One execution of a job: ``status`` is ok | failed; ``code`` the HTTP status (or a node's exit code);
    ``error`` says why a run failed."""

    _date_fields = frozenset({'planned_time', 'started'})

    def __init__(self, id: Optional[str] = None, group_name: Optional[str] = None, job_id: Optional[str] = None,
                 job_name: Optional[str] = None, planned_time: Optional[datetime] = None,
                 started: Optional[datetime] = None, duration_ms: float = 0, status: Optional[str] = None,
                 code: Optional[int] = None, error: Optional[str] = None, output: Optional[str] = None,
                 node_id: Optional[str] = None, stderr: Optional[str] = None):
        self.id = id
        self.group_name = group_name
        self.job_id = job_id
        self.job_name = job_name
        self.planned_time = planned_time
        self.started = started
        self.duration_ms = duration_ms
        self.status = status
        self.code = code
        self.error = error
        self.output = output
        self.node_id = node_id  # REMOTE@: the node that ran it (output is its stdout tail)
        self.stderr = stderr

    def summary(self) -> dict:
        """What the job keeps as its last_result."""
        result = {'status': self.status, 'code': self.code, 'error': self.error,
                  'duration_ms': self.duration_ms, 'planned_time': self.to_json()['planned_time']}
        if self.node_id is not None:
            result['node_id'] = self.node_id
        return result
