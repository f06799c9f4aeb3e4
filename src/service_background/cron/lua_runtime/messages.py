"""What crosses the pipe for one Lua call: the request (source, arguments, request context, limits) and the
reply (a LuaResult of JSON-able values), held to a byte size by the sandbox process before it is sent."""
import base64
import json
from dataclasses import asdict
from typing import Any, Optional

from service_background.cron.lua_runtime.result import LuaRequestContext, LuaResult


def context_to_wire(context: Optional[LuaRequestContext]) -> Optional[dict]:
    if context is None:
        return None
    body = context.body
    wire = {'method': context.method, 'headers': dict(context.headers), 'query': dict(context.query)}
    if isinstance(body, (bytes, bytearray)):
        wire['body_b64'] = base64.b64encode(bytes(body)).decode('ascii')
    else:
        wire['body'] = body
    return wire


def context_from_wire(wire: Optional[dict]) -> Optional[LuaRequestContext]:
    if wire is None:
        return None
    body = base64.b64decode(wire['body_b64']) if 'body_b64' in wire else wire.get('body', '')
    return LuaRequestContext(method=wire.get('method', 'GET'), headers=wire.get('headers') or {}, body=body,
                             query=wire.get('query') or {})


def plain_args(args) -> list:
    """The call's arguments as JSON values (anything else goes as its text, as to_lua would send it)."""
    return json.loads(json.dumps(list(args), default=str))


def result_to_wire(result: LuaResult, max_bytes: int) -> dict:
    """The reply, at most about max_bytes of JSON: output keeps its tail, a larger value is an error."""
    wire = asdict(result)
    value_bytes = len(json.dumps(wire['value'], ensure_ascii=False, default=str).encode('utf-8', 'replace'))
    if value_bytes > max_bytes // 2:
        wire.update(ok=False, value=None, error=f'the return value is larger than {max_bytes // 2} bytes')
        value_bytes = 0
    room = max(0, max_bytes // 2 - 1024)
    if len(wire['output']) > room // 4:  # a character is at most 4 bytes
        encoded = wire['output'].encode('utf-8', 'replace')
        if len(encoded) > room:
            wire['output'] = encoded[-room:].decode('utf-8', 'ignore')
    if wire['error'] is not None and len(wire['error']) > 4096:
        wire['error'] = wire['error'][:4096] + '...'
    return wire


def result_from_wire(wire: Any) -> LuaResult:
    if not isinstance(wire, dict):
        return LuaResult(ok=False, error='lua runtime failure: a malformed reply')
    return LuaResult(ok=bool(wire.get('ok')), value=wire.get('value'), output=wire.get('output') or '',
                     error=wire.get('error'), timed_out=bool(wire.get('timed_out')),
                     duration_ms=float(wire.get('duration_ms') or 0.0))
