"""The get_retries filter, read once into typed values both persistence families use."""
from typing import Any, Dict

from pip_services3_commons.data import FilterParams

from service_background.common.data import clock


def parse_filter(filter: FilterParams) -> Dict[str, Any]:
    filter = filter if filter is not None else FilterParams()
    result = {}
    for key in ('id', 'group'):
        value = filter.get_as_nullable_string(key)
        if value is not None:
            result[key] = value
    attempt_count = filter.get_as_nullable_integer('attempt_count')
    if attempt_count is not None:
        result['attempt_count'] = attempt_count
    for key in ('last_attempt_time', 'expiration_time'):
        value = clock.to_datetime(filter.get(key))
        if value is not None:
            result[key] = value
    return result
