"""IRetriesPersistence, what the retries controller needs of a store."""
from abc import ABC, abstractmethod
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.retries.data.version1 import RetryV1


class IRetriesPersistence(ABC):

    @abstractmethod
    def get_group_names(self, correlation_id: Optional[str]) -> List[str]: ...

    @abstractmethod
    def get_page_by_filter(self, correlation_id: Optional[str], filter: FilterParams,
                           paging: PagingParams) -> DataPage: ...

    @abstractmethod
    def get_one_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]: ...

    @abstractmethod
    def get_list_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]: ...

    @abstractmethod
    def add_attempt(self, correlation_id: Optional[str], group: str, id: str, now: datetime,
                    expiration_time: datetime, key: Optional[str] = None) -> RetryV1:
        """Atomically creates the record with attempt_count 1 or adds one attempt to it; with ``key``,
        unless the record's last counted attempt had that key (then it is returned as it is)."""

    def add_attempts(self, correlation_id: Optional[str], group: str, ids: List[str], now: datetime,
                     expiration_time: datetime) -> List[RetryV1]:
        """``add_attempt`` for each id, as one write where the store can (file: one journal group and
        one fsync; MongoDB: one bulk_write). An id listed twice counts two attempts, as two calls would."""
        return [self.add_attempt(correlation_id, group, id, now, expiration_time) for id in ids]

    @abstractmethod
    def delete_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]: ...

    @abstractmethod
    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int: ...
