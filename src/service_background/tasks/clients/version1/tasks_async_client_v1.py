"""asyncio client of the tasks domain: the methods of TasksHttpClientV1 (POST /v1/tasks/<command>)
as coroutines, plus the seed's worker routes ``capture`` (GET /v1/task/capture) and ``release``
(PUT /v1/task/release), which TasksWorker uses.

A task the service returns with a ``lease_token`` (fenced captures) keeps it as
``task.lease_token``; ``release`` sends a ``lease_tokens`` map only when one is given."""
from typing import Any, Dict, List, Optional

from service_background.common.clients.async_commandable_http_client import AsyncCommandableHttpClient, _json, with_lease_token
from service_background.tasks.data.version1 import NamespaceV1, TasksReleaseV1, TaskV1


def _body(value: Any) -> Any:
    # unset fields stay out of the request, so the service applies its defaults
    if hasattr(value, 'to_json'):
        return {k: v for k, v in value.to_json().items() if v is not None}
    return value


def _task(data: Any) -> Optional[TaskV1]:
    return with_lease_token(TaskV1.from_json(data), data)


class TasksAsyncClientV1(AsyncCommandableHttpClient):

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0,
                 max_connections: int = 100):
        super().__init__('v1/tasks', url, token, timeout, max_connections)

    async def get_namespaces(self, correlation_id: Optional[str]) -> List[NamespaceV1]:
        return [NamespaceV1.from_json(d) for d in await self.call_command('get_namespaces', correlation_id) or []]

    async def create_namespace(self, correlation_id: Optional[str], namespace: NamespaceV1) -> NamespaceV1:
        return NamespaceV1.from_json(await self.call_command('create_namespace', correlation_id,
                                                             {'namespace': _body(namespace)}))

    async def get_namespace(self, correlation_id: Optional[str], namespace_id: str) -> Optional[NamespaceV1]:
        return NamespaceV1.from_json(await self.call_command('get_namespace', correlation_id,
                                                             {'namespace_id': namespace_id}))

    async def delete_namespace(self, correlation_id: Optional[str], namespace_id: str) -> NamespaceV1:
        return NamespaceV1.from_json(await self.call_command('delete_namespace', correlation_id,
                                                             {'namespace_id': namespace_id}))

    async def get_tasks(self, correlation_id: Optional[str], namespace_id: str) -> List[TaskV1]:
        result = await self.call_command('get_tasks', correlation_id, {'namespace_id': namespace_id})
        return [_task(d) for d in result or []]

    async def create_task(self, correlation_id: Optional[str], task: TaskV1) -> TaskV1:
        return _task(await self.call_command('create_task', correlation_id, {'task': _body(task)}))

    async def get_task(self, correlation_id: Optional[str], task_id: str) -> Optional[TaskV1]:
        return _task(await self.call_command('get_task', correlation_id, {'task_id': task_id}))

    async def delete_task(self, correlation_id: Optional[str], task_id: str) -> TaskV1:
        return _task(await self.call_command('delete_task', correlation_id, {'task_id': task_id}))

    async def capture_tasks(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]:
        result = await self.call_command('capture_tasks', correlation_id,
                                         {'namespace_id': namespace_id, 'limit': limit})
        return [_task(d) for d in result or []]

    async def release_tasks(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                            lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        body = {'task_ids': task_ids, 'status': status}
        if lease_tokens:
            body['lease_tokens'] = lease_tokens
        return TasksReleaseV1.from_json(await self.call_command('release_tasks', correlation_id, body))

    # --- the seed's worker routes -------------------------------------------------------------------
    async def capture(self, correlation_id: Optional[str], namespace_id: str, limit: int) -> List[TaskV1]:
        """``GET /v1/task/capture?namespace_id=&limit=``: up to ``limit`` tasks, now in_progress."""
        response = await self.request('GET', '/v1/task/capture', correlation_id,
                                      params={'namespace_id': namespace_id, 'limit': limit})
        data = _json(response) if response is not None else None
        return [_task(d) for d in (data or {}).get('list') or []]

    async def release(self, correlation_id: Optional[str], task_ids: List[str], status: str,
                      lease_tokens: Optional[Dict[str, str]] = None) -> TasksReleaseV1:
        """``PUT /v1/task/release {task_ids, status}``: {list, not_found}."""
        body = {'task_ids': task_ids, 'status': status}
        if lease_tokens:
            body['lease_tokens'] = lease_tokens
        response = await self.request('PUT', '/v1/task/release', correlation_id, body)
        return TasksReleaseV1.from_json(_json(response) if response is not None else {})
