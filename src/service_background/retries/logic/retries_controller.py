"""RetriesController: counts attempts per (group, id) and forgets them when they expire."""
from typing import List, Optional

from pip_services3_commons.commands import CommandSet
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.data import DataPage, FilterParams, PagingParams
from pip_services3_commons.errors import NotFoundException

from service_background.common.concurrency.timer import IntervalTimer
from service_background.common.data import clock
from service_background.common.data.validation import optional_non_negative, require_text, require_text_list
from service_background.common.logic.controller_base import ControllerBase
from service_background.retries.data.version1 import RetryV1
from service_background.retries.logic.retries_command_set import RetriesCommandSet
from service_background.retries.persistence import IRetriesPersistence


class RetriesController(ControllerBase):
    """Counts attempts per (group, id) and forgets them when they expire.

    Configuration: options.interval (ms between cleanups, default 60000; 0 turns the cleaner off),
    options.default_ttl (ms, used when a call gives no ttl; default 3600000)."""

    _default_config = ConfigParams.from_tuples(
        'dependencies.persistence', 'service-background-retries:persistence:*:*:1.0',
        'options.interval', 60000,
        'options.default_ttl', 3600000)

    def __init__(self):
        super().__init__()
        self._persistence: Optional[IRetriesPersistence] = None
        self._interval = 60000
        self._default_ttl = 3600000

    def _configure_options(self, config: ConfigParams):
        self._interval = config.get_as_long('options.interval')
        self._default_ttl = config.get_as_long('options.default_ttl')

    def _create_command_set(self) -> CommandSet:
        return RetriesCommandSet(self)

    def _create_timers(self) -> List[IntervalTimer]:
        return [IntervalTimer('retries-cleaner', lambda: self.delete_expired(None), self._interval, self._logger)]

    # --- operations -------------------------------------------------------------------------
    def get_group_names(self, correlation_id: Optional[str]) -> List[str]:
        return self._persistence.get_group_names(correlation_id)

    def get_retries(self, correlation_id: Optional[str], filter: Optional[FilterParams],
                    paging: Optional[PagingParams]) -> DataPage:
        return self._persistence.get_page_by_filter(correlation_id, filter, paging)

    def add_retry(self, correlation_id: Optional[str], group: str, id: str,
                  ttl: Optional[float] = None, idempotency_key: Optional[str] = None) -> RetryV1:
        """With ``idempotency_key`` (not blank, at most 256 characters), a call repeated after a 503 or a
        lost answer counts the attempt once: the record keeps the key of its last counted attempt."""
        if idempotency_key is None:
            return self.add_retries(correlation_id, group, [require_text(correlation_id, 'id', id)], ttl)[0]
        key = require_text(correlation_id, 'idempotency_key', idempotency_key)
        group = require_text(correlation_id, 'group', group)
        id = require_text(correlation_id, 'id', id)
        now = clock.now()
        expiration_time = clock.add_ms(now, optional_non_negative(correlation_id, 'ttl', ttl, self._default_ttl))
        return self._persistence.add_attempt(correlation_id, group, id, now, expiration_time, key)

    def add_retries(self, correlation_id: Optional[str], group: str, ids: List[str],
                    ttl: Optional[float] = None) -> List[RetryV1]:
        group = require_text(correlation_id, 'group', group)
        ids = require_text_list(correlation_id, 'ids', ids)
        ttl = optional_non_negative(correlation_id, 'ttl', ttl, self._default_ttl)
        now = clock.now()
        expiration_time = clock.add_ms(now, ttl)
        return self._persistence.add_attempts(correlation_id, group, ids, now, expiration_time)  # one write

    def get_retry_by_id(self, correlation_id: Optional[str], group: str, id: str) -> RetryV1:
        group = require_text(correlation_id, 'group', group)
        id = require_text(correlation_id, 'id', id)
        retry = self._persistence.get_one_by_ids(correlation_id, group, id)
        if retry is None:
            raise NotFoundException(correlation_id, 'RETRY_NOT_FOUND', f'Retry {id} in group {group} was not found') \
                .with_details('group', group).with_details('id', id)
        return retry

    def get_retry_by_ids(self, correlation_id: Optional[str], group: str, ids: List[str]) -> List[RetryV1]:
        group = require_text(correlation_id, 'group', group)
        ids = require_text_list(correlation_id, 'ids', ids)
        return self._persistence.get_list_by_ids(correlation_id, group, ids)

    def delete_retry(self, correlation_id: Optional[str], group: str, id: str) -> None:
        group = require_text(correlation_id, 'group', group)
        id = require_text(correlation_id, 'id', id)
        if self._persistence.delete_by_ids(correlation_id, group, id) is None:
            raise NotFoundException(correlation_id, 'RETRY_NOT_FOUND', f'Retry {id} in group {group} was not found') \
                .with_details('group', group).with_details('id', id)

    def delete_expired(self, correlation_id: Optional[str]) -> None:
        deleted = self._persistence.delete_expired(correlation_id, clock.now())
        if deleted:
            self._logger.debug(correlation_id, f'Deleted {deleted} expired retries')
