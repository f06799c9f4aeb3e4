"""The retries store in memory: records keyed by (group, id)."""
from datetime import datetime
from typing import List, Optional

from pip_services3_commons.data import DataPage, FilterParams, PagingParams

from service_background.common.persistence.memory_persistence import MemoryPersistence
from service_background.retries.data.version1 import RetryV1
from service_background.retries.persistence.i_retries_persistence import IRetriesPersistence
from service_background.retries.persistence.retries_filter import parse_filter


class RetriesMemoryPersistence(MemoryPersistence, IRetriesPersistence):

    def __init__(self):
        super().__init__(RetryV1)

    def _key(self, item: RetryV1):
        return item.group, item.id

    def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        with self._lock:
            return sorted({item.group for item in self._items.values()})

    def get_page_by_filter(self, correlation_id: Optional[str], filter: FilterParams,
                           paging: PagingParams) -> DataPage:
        wanted = parse_filter(filter)
        return super().get_page_by_filter(
            correlation_id, lambda item: all(getattr(item, k) == v for k, v in wanted.items()),
            paging, sort=lambda item: (item.group, item.id))

    def get_one_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]:
        return self._get_one_by_key(correlation_id, (group, id))

    def get_list_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        with self._lock:
            found = (self._items.get((group, id)) for id in ids)
            return [item.clone() for item in found if item is not None]

    def add_attempt(self, correlation_id: Optional[str], group: str, id: str, now: datetime,
                    expiration_time: datetime, key: Optional[str] = None) -> RetryV1:
        def change(item: Optional[RetryV1]) -> Optional[RetryV1]:
            if item is not None and key is not None and item.idempotency_key == key:
                return None  # this attempt was counted already
            item = item or RetryV1(id=id, group=group, attempt_count=0)
            item.attempt_count += 1
            item.idempotency_key = key
            item.last_attempt_time = now
            item.expiration_time = expiration_time
            return item
        with self._lock:
            return self.modify(correlation_id, (group, id), change) or self.get_one_by_ids(correlation_id, group, id)

    def add_attempts(self, correlation_id: Optional[str], group: str, ids: List[str], now: datetime,
                     expiration_time: datetime) -> List[RetryV1]:
        with self.batch():
            return [self.add_attempt(correlation_id, group, id, now, expiration_time) for id in ids]

    def delete_by_ids(self, correlation_id: Optional[str], group: str, id: str) -> Optional[RetryV1]:
        return self.delete_by_key(correlation_id, (group, id))

    def delete_expired(self, correlation_id: Optional[str], now: datetime) -> int:
        return self.delete_by_filter(
            correlation_id, lambda item: item.expiration_time is not None and item.expiration_time <= now)
