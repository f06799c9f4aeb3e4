"""IRetriesClientV1, the retries API as every version 1 client offers it."""
from abc import ABC, abstractmethod
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.retries.data.version1 import RetryV1


class IRetriesClientV1(ABC):

    @abstractmethod
    def get_group_names(self, correlation_id: Optional[str]) -> List[str]: ...

    @abstractmethod
    def get_retries(self, correlation_id: Optional[str], filter: Optional[FilterParams] = None,
                    paging: Optional[PagingParams] = None) -> DataPage: ...

    @abstractmethod
    def add_retry(self, correlation_id: Optional[str], group: str, id: str,
                  ttl: Optional[float] = None, idempotency_key: Optional[str] = None) -> RetryV1: ...

    @abstractmethod
    def add_retries(self, correlation_id: Optional[str], group: str, ids: List[str],
                    ttl: Optional[float] = None) -> List[RetryV1]: ...

    @abstractmethod
    def get_retry_by_id(self, correlation_id: Optional[str], group: str, id: str) -> RetryV1:
        """Raises NotFoundException for an unknown (group, id)."""

    @abstractmethod
    def get_retry_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]: ...

    @abstractmethod
    def delete_retry(self, correlation_id: Optional[str], group: str, id: str) -> None: ...

    @abstractmethod
    def delete_expired(self, correlation_id: Optional[str]) -> None: ...
