"""Base of the V1 data classes: typed fields, JSON in and out, cheap copies."""
import copy
import inspect
import json
from datetime import datetime
from typing import Any, Dict, Optional

from . import time as t

_IMMUTABLE = (str, int, float, bool, type(None), datetime, tuple)


class DataObjectV1:
    """Subclasses declare their fields as keyword arguments of ``__init__`` and list the datetime
    ones in ``_date_fields``; JSON conversion and copying then need no per-class code."""

    _date_fields: frozenset = frozenset()
    _field_names_cache: Dict[type, tuple] = {}

    @classmethod
    def field_names(cls) -> tuple:
        names = DataObjectV1._field_names_cache.get(cls)
        if names is None:
            params = inspect.signature(cls.__init__).parameters
            names = tuple(n for n in params if n != 'self')
            DataObjectV1._field_names_cache[cls] = names
        return names

    def to_json(self) -> dict:
        """A JSON-ready dict: datetimes become ISO 8601 strings."""
        result = {}
        for name, value in self.__dict__.items():
            result[name] = t.to_iso(value) if isinstance(value, datetime) else value
        return result

    @classmethod
    def from_json(cls, data: Optional[dict]):
        """Builds a typed object from a dict (e.g. parsed JSON); unknown keys are dropped."""
        if data is None:
            return None
        if isinstance(data, cls):
            return data.clone()
        names = cls.field_names()
        kwargs = {}
        for name in names:
            if name in data:
                value = data[name]
                kwargs[name] = t.to_datetime(value) if name in cls._date_fields else value
        return cls(**kwargs)

    def clone(self):
        """A copy that shares nothing mutable with the original (stored objects never leak)."""
        result = self.__class__.__new__(self.__class__)
        result.__dict__ = {k: (v if isinstance(v, _IMMUTABLE) else copy.deepcopy(v))
                           for k, v in self.__dict__.items()}
        return result

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({json.dumps(self.to_json(), default=str)})'
