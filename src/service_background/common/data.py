"""Base of the V1 data classes: typed fields, JSON in and out, cheap copies.

A subclass may declare ``__slots__`` (its field names) so a stored object carries no per-instance
dict (jobs: hundreds of bytes less each); subclasses without ``__slots__`` keep a ``__dict__`` and
behave exactly as before."""
import copy
import inspect
import json
from datetime import datetime
from typing import Any, Dict, Iterator, Optional, Tuple

from . import time as t

_IMMUTABLE = (str, int, float, bool, type(None), datetime, tuple)


def _slot_names(cls: type) -> tuple:
    names = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get('__slots__', ())
        if isinstance(slots, str):
            slots = (slots,)
        names.extend(n for n in slots if n not in ('__dict__', '__weakref__') and n not in names)
    return tuple(names)


class DataObjectV1:
    """Subclasses declare their fields as keyword arguments of ``__init__`` and list the datetime
    ones in ``_date_fields``; JSON conversion and copying then need no per-class code."""

    __slots__ = ()

    _date_fields: frozenset = frozenset()
    _field_names_cache: Dict[type, tuple] = {}
    _slots_cache: Dict[type, Optional[tuple]] = {}

    @classmethod
    def field_names(cls) -> tuple:
        names = DataObjectV1._field_names_cache.get(cls)
        if names is None:
            params = inspect.signature(cls.__init__).parameters
            names = tuple(n for n in params if n != 'self')
            DataObjectV1._field_names_cache[cls] = names
        return names

    @classmethod
    def _slots(cls) -> Optional[tuple]:
        """The slot names of a class without instance dicts, else None."""
        try:
            return DataObjectV1._slots_cache[cls]
        except KeyError:
            has_dict = any('__dict__' in k.__dict__ for k in cls.__mro__ if k is not object)
            names = None if has_dict else _slot_names(cls)
            DataObjectV1._slots_cache[cls] = names
            return names

    def _fields(self) -> Iterator[Tuple[str, Any]]:
        """(name, value) of every attribute the object holds."""
        slots = self._slots()
        if slots is None:
            return iter(self.__dict__.items())
        return ((n, getattr(self, n)) for n in slots if hasattr(self, n))

    def to_dict(self) -> dict:
        """The attributes as a plain dict (datetimes stay datetimes)."""
        return dict(self._fields())

    def to_json(self) -> dict:
        """A JSON-ready dict: datetimes become ISO 8601 strings."""
        result = {}
        for name, value in self._fields():
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
        cls = self.__class__
        result = cls.__new__(cls)
        slots = cls._slots()
        if slots is None:
            result.__dict__ = {k: (v if isinstance(v, _IMMUTABLE) else copy.deepcopy(v))
                               for k, v in self.__dict__.items()}
            return result
        for name in slots:
            try:
                v = getattr(self, name)
            except AttributeError:
                continue
            setattr(result, name, v if isinstance(v, _IMMUTABLE) else copy.deepcopy(v))
        return result

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return False
        if self._slots() is None:
            return other.__dict__ == self.__dict__
        return dict(other._fields()) == dict(self._fields())

    __hash__ = None  # mutable, compared by value (as before: __eq__ without __hash__)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({json.dumps(self.to_json(), default=str)})'
