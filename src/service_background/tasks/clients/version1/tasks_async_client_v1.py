"""The tasks asyncio client, version 1: the methods of TasksHttpClientV1 (POST /v1/tasks/<command>) as
coroutines, plus the worker routes ``capture`` and ``release`` that TasksWorker uses."""
from typing import Dict, List, Optional

from service_background.common.clients.async_commandable_http_client import AsyncCommandableHttpClient, decode_reply
from service_background.tasks.clients.version1.tasks_request_bodies import data_body, release_body
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskV1


class TasksAsyncClientV1(AsyncCommandableHttpClient):
    """A task the service returns with a ``lease_token`` (fenced captures) keeps it as ``task.lease_token``;
    ``release`` sends a ``lease_tokens`` map only when one is given."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0,
                 max_connections: int = 100) -> None:
        super().__init__('v1/tasks', url, token, timeout, max_connections)

    async def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return [NamespaceV1.from_json(d) for d in await self.call_command('get_namespaces', correlation_id) or []]

    async def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        return NamespaceV1.from_json(await self.call_command('create_namespace', correlation_id,
                                                             {'namespace': data_body(namespace)}))

    async def get_namespace(self, correlation_id: Optional[str], namespace_id: str) -> Optional[NamespaceV1]:
        return NamespaceV1.from_json(await self.call_command('get_namespace', correlation_id,
                                                             {'namespace_id': namespace_id}))

    async def delete_namespace(self, correlation_id: Optional[str], namespace_id: str) -> NamespaceV1:
        return NamespaceV1.from_json(await self.call_command('delete_namespace', correlation_id,
                                                             {'namespace_id': namespace_id}))

    async def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        result = await self.call_command('get_tasks', correlation_id, {'namespace_id': namespace_id})
        return [TaskV1.from_json(d) for d in result or []]

    async def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        return TaskV1.from_json(await self.call_command('create_task', correlation_id, {'task': data_body(task)}))

    async def get_task(self, correlation_id: Optional[str], task_id: str) -> Optional[TaskV1]:
        return TaskV1.from_json(await self.call_command('get_task', correlation_id, {'task_id': task_id}))

    async def delete_task(self, correlation_id: Optional[str], task_id: str) -> TaskV1:
        return TaskV1.from_json(await self.call_command('delete_task', correlation_id, {'task_id': task_id}))

    async def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]:
        result = await self.call_command('capture_tasks', correlation_id,
                                         {'namespace_id': namespace_id, 'limit': limit})
        return [TaskV1.from_json(d) for d in result or []]

    async def release_tasks(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                            lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        return TasksReleaseV1.from_json(await self.call_command('release_tasks', correlation_id,
                                                                release_body(task_ids, status, lease_tokens)))

    # --- the worker routes -------------------------------------------------------------------------
    async def capture(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]:
        """``GET /v1/task/capture?namespace_id=&limit=``: up to ``limit`` tasks, now in_progress."""
        response = await self.request('GET', '/v1/task/capture', correlation_id,
                                      params={'namespace_id': namespace_id, 'limit': limit})
        data = decode_reply(response) if response is not None else None
        return [TaskV1.from_json(d) for d in (data or {}).get('list') or []]

    async def release(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                      lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        """``PUT /v1/task/release {task_ids, status}``: {list, not_found}."""
        response = await self.request('PUT', '/v1/task/release', correlation_id,
                                      release_body(task_ids, status, lease_tokens))
        return TasksReleaseV1.from_json(decode_reply(response) if response is not None else {})
