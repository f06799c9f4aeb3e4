"""TasksReleaseV1, what a release answers: the tasks changed and the ids not found."""
from typing import List, Optional

from service_background.common.data.data_object import DataObjectV1
from service_background.tasks.data.version1.task_v1 import TaskV1


class TasksReleaseV1(DataObjectV1):
    """What release_tasks answers: the tasks it changed, and the ids it did not find. ``lease_lost``
    (only present when not empty) lists fenced ids whose token changed between the check and the
    write on a shared MongoDB: they were left as they are."""

    def __init__(self, list: Optional[List[TaskV1]] = None, not_found: Optional[List[str]] = None,
                 lease_lost: Optional[List[str]] = None):
        self.list = list if list is not None else []
        self.not_found = not_found if not_found is not None else []
        self.lease_lost = lease_lost if lease_lost is not None else []

    def to_json(self) -> dict:
        result = {'list': [t.to_json() for t in self.list], 'not_found': list(self.not_found)}
        if self.lease_lost:
            result['lease_lost'] = list(self.lease_lost)
        return result

    @classmethod
    def from_json(cls, data: Optional[dict]):
        if data is None:
            return None
        return cls([TaskV1.from_json(t) for t in data.get('list') or []], list(data.get('not_found') or []),
                   list(data.get('lease_lost') or []))
