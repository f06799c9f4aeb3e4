"""Errors on the wire: every failure is a Pip.Services ErrorDescription without a stack trace."""
import json
from typing import Any, Optional

import bottle
from pip_services3_commons.errors import (ApplicationException, BadRequestException, ErrorCategory,
                                          ErrorDescription, ErrorDescriptionFactory)


def describe(error: Any) -> ErrorDescription:
    if isinstance(error, ApplicationException):
        description = ErrorDescriptionFactory.create(error)
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


def error_body(error: Any) -> str:
    description = describe(error)
    bottle.response.status = description.status or 500
    bottle.response.content_type = 'application/json'
    return json.dumps({k: v for k, v in description.to_json().items() if v is not None}
                      if hasattr(description, 'to_json') else
                      {k: v for k, v in description.__dict__.items() if v is not None})


def status_error(status: int, code: str, message: str) -> str:
    """An ErrorDescription for failures bottle raises itself (unknown route, bad method...)."""
    description = ErrorDescription()
    description.category = ErrorCategory.BadRequest if status < 500 else ErrorCategory.Unknown
    description.status = status
    description.code = code
    description.message = message
    return json.dumps({k: v for k, v in description.__dict__.items() if v is not None})


def read_json_body(required_object: bool = True) -> Optional[Any]:
    """The request body as JSON whatever its Content-Type (the seeds' curl examples send none)."""
    raw = bottle.request.body.read()
    if not raw or not raw.strip():
        return {} if required_object else None
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as ex:
        raise BadRequestException(None, 'BAD_JSON', f'Request body is not valid JSON: {ex}')
    if required_object and not isinstance(data, dict):
        raise BadRequestException(None, 'BAD_JSON', 'Request body must be a JSON object')
    return data
