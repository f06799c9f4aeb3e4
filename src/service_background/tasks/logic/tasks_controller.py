"""TasksController: namespaces, their tasks, batch capture and release, and the sweeper."""
import time
from typing import Any, List, Optional

from pip_services3_commons.commands import CommandSet
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException, NotFoundException

from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.logic.controller_base import ControllerBase
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskStatusV1, TaskV1
from service_background.tasks.logic.tasks_command_set import TasksCommandSet
from service_background.tasks.logic.tasks_validation import (
    new_task,
    require_id,
    require_ids,
    require_limit,
    require_status,
)
from service_background.tasks.persistence import ITasksPersistence


def _now() -> int:
    return int(time.time())


class TasksController(ControllerBase):
    """Namespaces, their tasks, batch capture and release, and the sweeper that takes back tasks whose
    worker went silent.

    Configuration: options.sweep_interval (ms between sweeps, default 10000; 0 turns the sweeper off)."""

    _default_config = ConfigParams.from_tuples(
        'dependencies.persistence', 'service-background-tasks:persistence:*:*:1.0',
        'options.sweep_interval', 10000)

    def __init__(self):
        super().__init__()
        self._persistence: Optional[ITasksPersistence] = None
        self._sweep_interval = 10000

    def _configure_options(self, config: ConfigParams):
        self._sweep_interval = config.get_as_long('options.sweep_interval')

    def _create_command_set(self) -> CommandSet:
        return TasksCommandSet(self)

    def _create_timers(self) -> List[IntervalTimer]:
        return [IntervalTimer('tasks-sweeper', lambda: self.sweep(None), self._sweep_interval, self._logger)]

    # --- namespaces -------------------------------------------------------------------------
    def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return self._persistence.get_namespaces(correlation_id)

    def create_namespace(self, correlation_id: Optional[str], namespace: Any) -> NamespaceV1:
        if isinstance(namespace, NamespaceV1):
            namespace = namespace.to_json()
        if not isinstance(namespace, dict):
            raise BadRequestException(correlation_id, 'BAD_NAMESPACE', 'namespace must be a JSON object')
        id = require_id(correlation_id, 'id', namespace.get('id'))
        return self._persistence.create_namespace(correlation_id, NamespaceV1(id))

    def get_namespace(self, correlation_id: Optional[str], namespace_id: str) -> Optional[NamespaceV1]:
        return self._persistence.get_namespace(correlation_id, require_id(correlation_id, 'namespace_id',
                                                                          namespace_id))

    def delete_namespace(self, correlation_id: Optional[str], namespace_id: str) -> NamespaceV1:
        namespace_id = require_id(correlation_id, 'namespace_id', namespace_id)
        deleted = self._persistence.delete_namespace(correlation_id, namespace_id)
        if deleted is None:
            raise self._namespace_not_found(correlation_id, namespace_id)
        return deleted

    def _require_namespace(self, correlation_id: Optional[str], namespace_id: Any) -> str:
        namespace_id = require_id(correlation_id, 'namespace_id', namespace_id)
        if self._persistence.get_namespace(correlation_id, namespace_id) is None:
            raise self._namespace_not_found(correlation_id, namespace_id)
        return namespace_id

    @staticmethod
    def _namespace_not_found(correlation_id: Optional[str], namespace_id: str) -> NotFoundException:
        return NotFoundException(correlation_id, 'NAMESPACE_NOT_FOUND', f'Namespace {namespace_id} was not found') \
            .with_details('namespace_id', namespace_id)

    # --- tasks ------------------------------------------------------------------------------
    def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        return self._persistence.get_tasks(correlation_id, self._require_namespace(correlation_id, namespace_id))

    def create_task(self, correlation_id: Optional[str], task: Any) -> TaskV1:
        task = new_task(correlation_id, task, _now())
        self._require_namespace(correlation_id, task.namespace_id)
        created = self._persistence.create_task(correlation_id, task)
        # The namespace may have gone between the check and the insert (MongoDB has no lock over
        # both): look again, so a task never outlives its namespace.
        if self._persistence.get_namespace(correlation_id, task.namespace_id) is None:
            self._persistence.delete_task(correlation_id, task.id)
            raise self._namespace_not_found(correlation_id, task.namespace_id)
        return created

    def get_task(self, correlation_id: Optional[str], task_id: str) -> Optional[TaskV1]:
        return self._persistence.get_task(correlation_id, require_id(correlation_id, 'task_id', task_id))

    def delete_task(self, correlation_id: Optional[str], task_id: str) -> TaskV1:
        task_id = require_id(correlation_id, 'task_id', task_id)
        deleted = self._persistence.delete_task(correlation_id, task_id)
        if deleted is None:
            raise NotFoundException(correlation_id, 'TASK_NOT_FOUND', f'Task {task_id} was not found') \
                .with_details('task_id', task_id)
        return deleted

    def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: Any) -> List[TaskV1]:
        limit = require_limit(correlation_id, limit)
        namespace_id = self._require_namespace(correlation_id, namespace_id)
        return self._persistence.capture_tasks(correlation_id, namespace_id, limit, _now())

    def release_tasks(self, correlation_id: Optional[str], task_ids: Any, status: Any,
                      lease_tokens: Any = None) -> TasksReleaseV1:
        """``lease_tokens`` (fenced leases): {task_id: token from the capture}; a task that no longer
        holds its token makes the call a 409 LEASE_LOST that changes nothing. Ids without a token
        (or a call without the map) are released unfenced, as tasks-rest-v1 has it."""
        status = require_status(correlation_id, status, TaskStatusV1.Releasable)
        task_ids = require_ids(correlation_id, 'task_ids', task_ids)
        if lease_tokens is not None:
            if not isinstance(lease_tokens, dict) or len(lease_tokens) > 10000 or not all(
                    isinstance(k, str) and (v is None or (isinstance(v, str) and 0 < len(v) <= 200))
                    for k, v in lease_tokens.items()):
                raise BadRequestException(correlation_id, 'BAD_LEASE_TOKENS',
                                          'lease_tokens must be a map of task id to lease token') \
                    .with_details('field', 'lease_tokens')
            wanted = set(task_ids)
            lease_tokens = {k: v for k, v in lease_tokens.items() if k in wanted and v is not None}
        return self._persistence.release_tasks(correlation_id, list(dict.fromkeys(task_ids)), status, _now(),
                                               lease_tokens or None)

    def sweep(self, correlation_id: Optional[str]) -> int:
        changed = self._persistence.sweep(correlation_id, _now())
        if changed:
            self._logger.debug(correlation_id, f'Returned {changed} timed-out tasks')
        return changed
