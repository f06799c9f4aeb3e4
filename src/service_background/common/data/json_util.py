"""JSON for the wire: typed objects, datetimes and pages serialize the same way everywhere. msgspec
does the work; what it cannot encode itself goes through ``_default``."""
import json
from datetime import datetime
from typing import Any

import msgspec

from service_background.common.data import clock

MAX_DEPTH = 64  # nesting deeper than this is refused at decode (recursion, hostile bodies)


def _default(value: Any) -> Any:
    to_json = getattr(value.__class__, 'to_json', None)  # data objects first: a reply holds many
    if to_json is not None:
        return to_json(value)
    if isinstance(value, datetime):
        return clock.to_iso(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, '__dict__'):
        return {k: v for k, v in value.__dict__.items() if not k.startswith('_')}
    raise TypeError(f'Not serializable: {type(value).__name__}')


_encoder = msgspec.json.Encoder(enc_hook=_default)
_decode = msgspec.json.Decoder().decode


def to_json_bytes(value: Any) -> bytes:
    try:
        return _encoder.encode(value)
    except (TypeError, msgspec.EncodeError):
        # non-string dict keys and the like: the standard library converts them
        return json.dumps(value, default=_default, separators=(',', ':')).encode('utf-8')


def to_json(value: Any) -> str:
    return to_json_bytes(value).decode('utf-8')


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (an iterative walk: no recursion of its own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


def decode_json(raw: bytes) -> Any:
    """Parses JSON text; raises ValueError for malformed input, non-finite numbers, lone surrogates or
    nesting deeper than MAX_DEPTH."""
    try:
        data = _decode(raw)
    except (msgspec.DecodeError, RecursionError) as ex:
        raise ValueError(str(ex) if not isinstance(ex, RecursionError) else 'JSON nested too deep')
    # a cheap count first: only bodies with many brackets can nest that deep
    if (raw.count(b'{') + raw.count(b'[')) > MAX_DEPTH and depth_exceeds(data):
        raise ValueError(f'JSON nested deeper than {MAX_DEPTH} levels')
    return data
