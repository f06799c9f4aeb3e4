"""JSON for the wire: typed objects, datetimes and pages serialize the same way everywhere."""
import json
from datetime import datetime
from typing import Any

from . import time as t


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return t.to_iso(value)
    if hasattr(value, 'to_json'):
        return value.to_json()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if hasattr(value, '__dict__'):
        return {k: v for k, v in value.__dict__.items() if not k.startswith('_')}
    raise TypeError(f'Not serializable: {type(value).__name__}')


def to_json(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(',', ':'))
