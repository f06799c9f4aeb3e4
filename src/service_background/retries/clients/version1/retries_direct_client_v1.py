"""The retries direct client, version 1: calls the controller in the same process."""
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.refer import Descriptor
from pip_services3_rpc.clients import DirectClient

from service_background.retries.clients.version1.i_retries_client_v1 import IRetriesClientV1
from service_background.retries.data.version1 import RetryV1


class RetriesDirectClientV1(DirectClient, IRetriesClientV1):
    """Calls the controller in the same process."""

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('controller',
                                      Descriptor('service-background-retries', 'controller', '*', '*', '1.0'))

    def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        return self._controller.get_group_names(correlation_id)

    def get_retries(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                    paging: Optional[PagingParams] = None) -> DataPage:
        return self._controller.get_retries(correlation_id, filter, paging)

    def add_retry(self, correlation_id: Optional[str], group: str, id: str,
                  ttl: Optional[float] = None, idempotency_key: Optional[str] = None) -> RetryV1:
        return self._controller.add_retry(correlation_id, group, id, ttl, idempotency_key)

    def add_retries(self, correlation_id: Optional[str], group: str, ids: List[str],
                    ttl: Optional[float] = None) -> List[RetryV1]:
        return self._controller.add_retries(correlation_id, group, ids, ttl)

    def get_retry_by_id(self, correlation_id: Optional[str], group: str, id: str) -> RetryV1:
        return self._controller.get_retry_by_id(correlation_id, group, id)

    def get_retry_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        return self._controller.get_retry_by_ids(correlation_id, group, ids)

    def delete_retry(self, correlation_id: Optional[str], group: str, id: str) -> None:
        self._controller.delete_retry(correlation_id, group, id)

    def delete_expired(self, correlation_id: Optional[str]) -> None:
        self._controller.delete_expired(correlation_id)
