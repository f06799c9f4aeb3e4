"""A batch of jobs added together, as the batches stores keep it: its callback fires once its last job finished."""
from datetime import datetime
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class JobBatchV1(DataObjectV1):
    """A batch: ``sealed`` once all its jobs are stored; ``done`` once its last job finished; ``kind``
    ``workflow`` for a workflow (logic/job_workflows.py), None for a plain batch; ``outcome``: a workflow's
    status as it ended."""
    _date_fields = frozenset({'created', 'completed'})

    def __init__(self, id: Optional[str] = None, description: Optional[str] = None,
                 callback_url: Optional[str] = None, created: Optional[datetime] = None,
                 completed: Optional[datetime] = None, sealed: bool = False, done: bool = False,
                 canceled: bool = False, kind: Optional[str] = None, outcome: Optional[str] = None):
        self.id = id
        self.description = description
        self.callback_url = callback_url
        self.created = created
        self.completed = completed
        self.sealed = sealed
        self.done = done
        self.canceled = canceled
        self.kind = kind
        self.outcome = outcome  # a workflow's status when it ended (its jobs may be gone since)
