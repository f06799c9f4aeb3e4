"""The retries HTTP client, version 1: POST /v1/retries/<command>, answers as typed objects."""
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.common.clients.commandable_http_client import CommandableHttpClient
from service_background.retries.clients.version1.i_retries_client_v1 import IRetriesClientV1
from service_background.retries.data.version1 import RetryV1


class RetriesHttpClientV1(CommandableHttpClient, IRetriesClientV1):
    """Calls POST /v1/retries/<command>; returns typed RetryV1 objects."""

    def __init__(self):
        super().__init__('v1/retries')

    def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        return self.call_command('get_group_names', correlation_id) or []

    def get_retries(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                    paging: Optional[PagingParams] = None) -> DataPage:
        page = self.call_command('get_retries', correlation_id, {'filter': filter, 'paging': paging})
        return DataPage([RetryV1.from_json(d) for d in page.get('data', [])], page.get('total'))

    def add_retry(self, correlation_id: Optional[str], group: str, id: str,
                  ttl: Optional[float] = None, idempotency_key: Optional[str] = None) -> RetryV1:
        return RetryV1.from_json(self.call_command('add_retry', correlation_id,
                                                   {'group': group, 'id': id, 'ttl': ttl,
                                                    'idempotency_key': idempotency_key}))

    def add_retries(self, correlation_id: Optional[str], group: str, ids: List[str],
                    ttl: Optional[float] = None) -> List[RetryV1]:
        result = self.call_command('add_retries', correlation_id, {'group': group, 'ids': ids, 'ttl': ttl})
        return [RetryV1.from_json(d) for d in result or []]

    def get_retry_by_id(self, correlation_id: Optional[str], group: str, id: str) -> RetryV1:
        return RetryV1.from_json(self.call_command('get_retry_by_id', correlation_id, {'group': group, 'id': id}))

    def get_retry_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        result = self.call_command('get_retry_by_ids', correlation_id, {'group': group, 'ids': ids})
        return [RetryV1.from_json(d) for d in result or []]

    def delete_retry(self, correlation_id: Optional[str], group: str, id: str) -> None:
        self.call_command('delete_retry', correlation_id, {'group': group, 'id': id})

    def delete_expired(self, correlation_id: Optional[str]) -> None:
        self.call_command('delete_expired', correlation_id)
