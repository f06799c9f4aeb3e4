"""asyncio client of the retries domain: the methods of RetriesHttpClientV1 as coroutines."""
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.common.clients.async_commandable_http_client import AsyncCommandableHttpClient
from service_background.retries.data.version1 import RetryV1


class RetriesAsyncClientV1(AsyncCommandableHttpClient):

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout: float = 60.0,
                 max_connections: int = 100):
        super().__init__('v1/retries', url, token, timeout, max_connections)

    async def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        return await self.call_command('get_group_names', correlation_id) or []

    async def get_retries(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                          paging: Optional[PagingParams] = None) -> DataPage:
        page = await self.call_command('get_retries', correlation_id, {'filter': filter, 'paging': paging})
        return DataPage([RetryV1.from_json(d) for d in page.get('data', [])], page.get('total'))

    async def add_retry(self, correlation_id: Optional[str], group: str, id: str,
                        ttl: Optional[float] = None, idempotency_key: Optional[str] = None) -> RetryV1:
        return RetryV1.from_json(await self.call_command('add_retry', correlation_id,
                                                         {'group': group, 'id': id, 'ttl': ttl,
                                                          'idempotency_key': idempotency_key}))

    async def add_retries(self, correlation_id: Optional[str], group: str, ids: List[str],
                          ttl: Optional[float] = None) -> List[RetryV1]:
        result = await self.call_command('add_retries', correlation_id, {'group': group, 'ids': ids, 'ttl': ttl})
        return [RetryV1.from_json(d) for d in result or []]

    async def get_retry_by_id(self, correlation_id: Optional[str], group: str, id: str) -> RetryV1:
        return RetryV1.from_json(await self.call_command('get_retry_by_id', correlation_id,
                                                         {'group': group, 'id': id}))

    async def get_retry_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        result = await self.call_command('get_retry_by_ids', correlation_id, {'group': group, 'ids': ids})
        return [RetryV1.from_json(d) for d in result or []]

    async def delete_retry(self, correlation_id: Optional[str], group: str, id: str) -> None:
        await self.call_command('delete_retry', correlation_id, {'group': group, 'id': id})

    async def delete_expired(self, correlation_id: Optional[str]) -> None:
        await self.call_command('delete_expired', correlation_id)
