"""Checks of tasks' request values: the REST and commandable faces both end here, so both answer
the same 400s."""
from typing import Any, List, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.common.data.validation import require_text, require_text_list
from service_background.tasks.data.version1 import DEFAULT_RETRIES, DEFAULT_TIMEOUT, TaskStatusV1, TaskV1

MAX_LIMIT = 1000
MAX_INT = 2 ** 31 - 1  # keeps every value storable as a MongoDB int


def _integer(value: Any) -> Optional[int]:
    """An int, an integral float or a string of digits (query values) as an int; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip('+-').isdigit():
        return int(value.strip())
    return None


def optional_count(correlation_id: Optional[str], name: str, value: Any, default: int) -> int:
    """A whole number 0..MAX_INT; None means the default (an explicit 0 stays 0)."""
    if value is None:
        return default
    number = _integer(value) if not isinstance(value, str) else None  # a body carries numbers
    if number is None or number < 0 or number > MAX_INT:
        raise BadRequestException(correlation_id, 'BAD_' + name.upper(),
                                  f'{name} must be a whole number from 0 to {MAX_INT}').with_details(name, value)
    return number


def require_limit(correlation_id: Optional[str], value: Any) -> int:
    number = _integer(value)
    if number is None or number < 1 or number > MAX_LIMIT:
        raise BadRequestException(correlation_id, 'BAD_LIMIT',
                                  f'limit must be a whole number from 1 to {MAX_LIMIT}').with_details('limit', value)
    return number


def require_status(correlation_id: Optional[str], value: Any, allowed=TaskStatusV1.All) -> str:
    if value not in allowed:
        raise BadRequestException(correlation_id, 'BAD_STATUS',
                                  f'status must be one of {", ".join(allowed)}').with_details('status', value)
    return value


def require_id(correlation_id: Optional[str], name: str, value: Any) -> str:
    return require_text(correlation_id, name, value)


def require_ids(correlation_id: Optional[str], name: str, value: Any) -> List[str]:
    return require_text_list(correlation_id, name, value)


def new_task(correlation_id: Optional[str], data: Any, now: int) -> TaskV1:
    """A TaskV1 from a register request: checks every field, fills the defaults, stamps updated_at."""
    if isinstance(data, TaskV1):
        data = data.to_json()
    if not isinstance(data, dict):
        raise BadRequestException(correlation_id, 'BAD_TASK', 'task must be a JSON object')
    return TaskV1(id=require_id(correlation_id, 'id', data.get('id')),
                  namespace_id=require_id(correlation_id, 'namespace_id', data.get('namespace_id')),
                  timeout=optional_count(correlation_id, 'timeout', data.get('timeout'), DEFAULT_TIMEOUT),
                  retries_left=optional_count(correlation_id, 'retries_left', data.get('retries_left'),
                                              DEFAULT_RETRIES),
                  updated_at=now,
                  status=require_status(correlation_id, TaskStatusV1.Idle if data.get('status') is None
                                         else data.get('status')))
