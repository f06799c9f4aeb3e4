"""Checks of request values that pip-services schemas cannot express, and the JSON Schemas saying what
they accept (DescribedSchema carries them to /openapi.json)."""
from typing import Any, Dict, List, Optional

from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.validate import ObjectSchema


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


# JSON Schemas of accepted values, for DescribedSchema properties and openapi.py's rule table
# not blank as str.strip() has it: it strips the separators \x1c-\x1f and \x85 too, which \S would let by
NOT_BLANK = '[^\\s\\u001c-\\u001f\\u0085]'
TEXT = {'type': 'string', 'minLength': 1, 'maxLength': 256, 'pattern': NOT_BLANK}  # require_text
HTTP_URL = {'type': 'string', 'format': 'uri', 'maxLength': 2048,  # an http(s) URL with a host
            'pattern': '^https?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~%-]*)*$'}


def json_number(low: float, high: float, integer: bool = False) -> dict:
    return {'type': 'integer' if integer else 'number', 'minimum': low, 'maximum': high}


def json_text(max_length: int, blank: bool = True) -> dict:
    """A string of at most ``max_length`` characters; not blank unless ``blank``."""
    return {'type': 'string', 'maxLength': max_length} if blank else \
        {'type': 'string', 'minLength': 1, 'maxLength': max_length, 'pattern': NOT_BLANK}


class DescribedSchema(ObjectSchema):
    """An ObjectSchema whose properties may also carry the JSON Schema of what their controller accepts
    (ranges, enums, URL shapes), published in /openapi.json. The checks stay in the controllers, so a
    call costs what it did; the description may be narrower than the checks, never wider."""

    def __init__(self, allow_undefined: bool = False):
        super().__init__(allow_undefined)
        self._described: Dict[str, dict] = {}
        self._described_object: dict = {}

    def with_described(self, name: str, described: dict, type: Any = None,
                       required: bool = False) -> 'DescribedSchema':
        self._described[name] = described
        return self.with_required_property(name, type) if required else self.with_optional_property(name, type)

    def with_described_object(self, described: dict) -> 'DescribedSchema':
        """Rules across properties, e.g. ``{'anyOf': [{'required': ['a']}, {'required': ['b']}]}``."""
        self._described_object = dict(described)
        return self

    def described(self, name: str) -> Optional[dict]:
        return self._described.get(name)

    def described_object(self) -> dict:
        return dict(self._described_object)
