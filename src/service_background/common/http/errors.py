"""Errors on the wire: every failure is a Pip.Services ErrorDescription without a stack trace."""
from typing import Any, Optional

from pip_services3_commons.errors import (
    ApplicationException,
    BadRequestException,
    ErrorCategory,
    ErrorDescription,
    ErrorDescriptionFactory,
)

from service_background.common.data.json_util import decode_json, to_json_bytes
from service_background.common.http.request import current_request
from service_background.common.http.response import JSON, HttpResponse
from service_background.common.persistence.mongodb_connection import UNAVAILABLE_ERRORS, unavailable

# What bad input can still raise past the checks (a number too large for a date, an unhashable
# value where a key was expected, nesting too deep): the caller's fault, a 400 and never a 500.
_INPUT_ERRORS = (ValueError, TypeError, OverflowError, RecursionError, UnicodeError, KeyError, IndexError)


def describe(error: Any) -> ErrorDescription:
    if not isinstance(error, ApplicationException) and isinstance(error, UNAVAILABLE_ERRORS):
        error = unavailable(error)  # a pymongo timeout that no persistence turned into a 503 itself
    if isinstance(error, ApplicationException):
        description = ErrorDescriptionFactory.create(error)
    elif isinstance(error, _INPUT_ERRORS):
        description = ErrorDescription()
        description.category = ErrorCategory.BadRequest
        description.status = 400
        description.code = 'BAD_REQUEST'
        description.message = f'{type(error).__name__}: {error}'[:500]
    else:
        description = ErrorDescription()
        description.category = ErrorCategory.Unknown
        description.status = 500
        description.code = 'INTERNAL'
        description.message = str(error) or type(error).__name__
    description.stack_trace = None
    if description.cause in (None, '', 'None'):  # the library stringifies a missing cause
        description.cause = None
    return description


def _as_dict(description: ErrorDescription) -> dict:
    data = description.to_json() if hasattr(description, 'to_json') else description.__dict__
    return {k: v for k, v in data.items() if v is not None}


def error_response(error: Any) -> HttpResponse:
    return description_response(describe(error))


def description_response(description: ErrorDescription) -> HttpResponse:
    return HttpResponse(description.status or 500, to_json_bytes(_as_dict(description)), JSON)


# 5xx answers that say "not now", not "broken": a full disk, a database down, a call past its deadline
OUTAGE_STATUSES = (502, 503, 504)


def status_error(status: int, code: str, message: str, headers: Optional[dict] = None) -> HttpResponse:
    """An ErrorDescription for failures the endpoint finds itself (unknown route, bad method, too large)."""
    description = ErrorDescription()
    description.category = ErrorCategory.BadRequest if status < 500 else ErrorCategory.Unknown
    description.status = status
    description.code = code
    description.message = message
    return HttpResponse(status, to_json_bytes(_as_dict(description)), JSON, headers)


def parse_json_body(raw: bytes, required_object: bool = True) -> Optional[Any]:
    if not raw:
        return {} if required_object else None
    try:
        data = decode_json(raw)
    except ValueError as ex:
        if not raw.strip():  # only blanks: no body (checked after, not before: no copy of every body)
            return {} if required_object else None
        raise BadRequestException(None, 'BAD_JSON', f'Request body is not valid JSON: {ex}')
    if required_object and not isinstance(data, dict):
        raise BadRequestException(None, 'BAD_JSON', 'Request body must be a JSON object')
    return data


def read_json_body(required_object: bool = True) -> Optional[Any]:
    """The request body as JSON whatever its Content-Type (the seeds' curl examples send none)."""
    return parse_json_body(current_request().body, required_object)
