"""Responses of every service: a status, a body encoded once, and its headers."""
from typing import Any, Dict, Optional

from service_background.common.data.json_util import to_json_bytes

JSON = 'application/json'


class HttpResponse:
    __slots__ = ('status', 'body', 'content_type', 'headers')

    def __init__(self, status: int = 200, body: bytes = b'', content_type: Optional[str] = JSON,
                 headers: Optional[Dict[str, str]] = None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers


def send_json(result: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> HttpResponse:
    """Typed results as JSON; no result is a 204."""
    if result is None:
        return HttpResponse(204, b'', None, headers)
    return HttpResponse(status, to_json_bytes(result), JSON, headers)


MINIMAL_APPLIED = {'Preference-Applied': 'return=minimal'}


def send_minimal(result: Any) -> HttpResponse:
    """The reply to a caller that asked ``Prefer: return=minimal`` (RFC 7240): what it made, by id only
    (``{"id": ...}``, or a list of them), else no body (204), so neither side encodes what nobody reads."""
    if isinstance(result, list):
        ids = [{'id': item.id} for item in result if getattr(item, 'id', None) is not None]
        if len(ids) == len(result) and ids:
            return HttpResponse(200, to_json_bytes(ids), JSON, dict(MINIMAL_APPLIED))
    elif getattr(result, 'id', None) is not None:
        return HttpResponse(200, to_json_bytes({'id': result.id}), JSON, dict(MINIMAL_APPLIED))
    return HttpResponse(204, b'', None, dict(MINIMAL_APPLIED))


def wants_minimal(prefer: Optional[str]) -> bool:
    """Whether a ``Prefer`` header asks for ``return=minimal``."""
    return prefer is not None and 'return=minimal' in prefer.replace(' ', '').lower()


def send_raw(body: Any, content_type: str, status: int = 200,
             headers: Optional[Dict[str, str]] = None) -> HttpResponse:
    if isinstance(body, str):
        body = body.encode('utf-8')
    return HttpResponse(status, body or b'', content_type, headers)
