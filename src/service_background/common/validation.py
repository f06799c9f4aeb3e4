"""Checks of request values that pip-services schemas cannot express."""
from typing import Any, List, Optional

from pip_services3_commons.errors import BadRequestException


def require_text(correlation_id: Optional[str], name: str, value: Any, max_length: int = 256) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequestException(correlation_id, 'MISSING_' + name.upper(), f'{name} must be a non-empty string')
    if len(value) > max_length:
        raise BadRequestException(correlation_id, 'BAD_' + name.upper(),
                                  f'{name} must be at most {max_length} characters')
    return value


def require_text_list(correlation_id: Optional[str], name: str, value: Any) -> List[str]:
    """A list of non-empty strings; a comma-separated string is accepted too."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(',') if part.strip()]
    if not isinstance(value, list) or not value:
        raise BadRequestException(correlation_id, 'MISSING_' + name.upper(),
                                  f'{name} must be a non-empty list of strings')
    return [require_text(correlation_id, name, item) for item in value]


# Durations (ms) and counts above this are refused where they enter: 1e13 ms is over 300 years,
# and bigger values overflow datetime arithmetic deeper down.
MAX_NUMBER = 1e13


def optional_non_negative(correlation_id: Optional[str], name: str, value: Any,
                          default: Optional[float], max_value: float = MAX_NUMBER) -> Optional[float]:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= max_value:
        raise BadRequestException(correlation_id, 'BAD_' + name.upper(),
                                  f'{name} must be a number from 0 to {max_value:g}') \
            .with_details('field', name)
    return value
