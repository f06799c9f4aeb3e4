"""DataObjectV1, the base of the V1 data classes: JSON in and out and cheap copies, compiled per class
for slotted classes (they sit on every request's path)."""
import copy
import inspect
import json
from datetime import datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Self, Tuple, overload

import msgspec

from service_background.common.data import clock


class PackedJson(bytes):
    """JSON-shaped data held as its compact JSON text (a store keeps a queued job's params in a fraction of
    a dict's memory): immutable, so clones share it; ``to_json`` and ``unpack_json`` turn it back
    into data."""
    __slots__ = ()


_IMMUTABLE = (str, int, float, bool, type(None), datetime, tuple, PackedJson)
_IMMUTABLE_TYPES = frozenset(_IMMUTABLE)
_MISSING = object()
_encode_json = msgspec.json.Encoder().encode
_decode_json = msgspec.json.Decoder().decode


def pack_json(value: Any) -> Any:
    """A dict or list as PackedJson when its JSON text gives it back exactly (no datetimes, tuples,
    NaN or other types that JSON would change); anything else as it is."""
    cls = value.__class__
    if cls is not dict and cls is not list:
        return value
    try:
        text = _encode_json(value)
    except (TypeError, ValueError, OverflowError):
        return value
    if _decode_json(text) != value:
        return value
    return PackedJson(text)


def unpack_json(value: Any) -> Any:
    return _decode_json(value) if value.__class__ is PackedJson else value


def json_value(value: Any) -> Any:
    """One field as ``to_json`` gives it: datetimes as ISO strings, PackedJson unpacked."""
    return clock.to_iso(value) if isinstance(value, datetime) else unpack_json(value)


def copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars) without deepcopy's memo bookkeeping;
    anything else goes through copy.deepcopy."""
    cls = value.__class__
    if cls in _IMMUTABLE_TYPES:
        return value
    if cls is dict:
        return {k: (v if v.__class__ in _IMMUTABLE_TYPES else copy_json(v)) for k, v in value.items()}
    if cls is list:
        return [v if v.__class__ in _IMMUTABLE_TYPES else copy_json(v) for v in value]
    return copy.deepcopy(value)


def _slot_names(cls: type) -> tuple:
    names: List[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get('__slots__', ())
        if isinstance(slots, str):
            slots = (slots,)
        names.extend(n for n in slots if n not in ('__dict__', '__weakref__') and n not in names)
    return tuple(names)


def _compile_slot_copiers(cls: Any, slots: tuple) -> Tuple[Callable[[Any], Any], Callable[[Any], dict],
                                                           Callable[[Any], dict]]:
    """Straight-line clone and to_json functions for a slotted class, as dataclasses generate theirs:
    a loop of getattr/setattr over twenty fields costs far more. The slots are read into one tuple
    and their types checked in one C call (``issuperset(map(type, ...))``), so the usual object (all
    values immutable; no datetime among the plain fields) is copied without a Python step per field.
    They raise AttributeError when a slot is unset; the callers then take the generic path. to_json
    starts from a copy of an all-None dict in field order (a C copy; setting a key keeps its place)
    and sets the slots and only the sparse fields the object has (a reply encodes every job)."""
    packed, sparse, dates = cls._packed_fields, frozenset(cls._sparse_fields), cls._date_fields
    plain = [n for n in slots if n != 'sparse_values']
    simple = tuple(n for n in plain if n not in packed and n not in dates)  # no conversion expected
    clone_lines = ['def clone(self):', '    if self.__class__ is not C:', '        return BASE_CLONE(self)',
                   '    try:', '        r = new(C)']
    json_lines = ['def to_json(self):', '    if self.__class__ is not C:', '        return BASE_JSON(self)',
                  '    try:', '        d = TEMPLATE.copy()']
    if plain:
        clone_lines += [f'        vals = ({", ".join("self." + n for n in plain)},)',
                        '        if not ALL_IMMUTABLE(map(type, vals)):',
                        '            vals = [v if v.__class__ in IMM else cj(v) for v in vals]',
                        f'        {", ".join("r." + n for n in plain)}, = vals']
    if 'sparse_values' in slots:  # the sparse fields' dict: a C copy when its values are all immutable
        clone_lines += ['        x = self.sparse_values',
                        '        r.sparse_values = None if x is None else x.copy() '
                        'if ALL_IMMUTABLE(map(type, x.values())) '
                        'else {k: (w if w.__class__ in IMM else cj(w)) for k, w in x.items()}']
    if simple:
        json_lines += [f'        vals = ({", ".join("self." + n for n in simple)},)',
                       '        if NO_CONVERSION(map(type, vals)):',
                       '            d.update(zip(SIMPLE, vals))',
                       '        else:',
                       '            for k, v in zip(SIMPLE, vals):',
                       '                c = v.__class__',
                       '                d[k] = (ISO(v) or iso(v)) if c is dt else up(v) if c is PJ else v']
    for n in plain:
        if n in simple:
            continue
        json_lines.append(f'        v = self.{n}')
        if n in packed:
            json_lines.append(f'        d[{n!r}] = up(v) if v.__class__ is PJ else v')
        else:
            json_lines.append(f'        d[{n!r}] = (ISO(v) or iso(v)) if v.__class__ is dt else v')
    if sparse:
        json_lines += ['        x = self.sparse_values',
                       '        if x is not None:',
                       '            for k, v in x.items():',
                       '                c = v.__class__',
                       '                d[k] = (ISO(v) or iso(v)) if c is dt else up(v) if c is PJ else v']
    clone_lines += ['        return r', '    except AttributeError:', '        return WALK_CLONE(self)']
    json_lines += ['        return d', '    except AttributeError:', '        return WALK_JSON(self)']
    template = dict.fromkeys(cls.field_names() if sparse else plain)  # field order, whatever is set first
    # to_compact_json: the same, from the slots' keys only (a sparse field that is None is left out)
    compact_lines = [line.replace('def to_json(', 'def to_compact_json(').replace('TEMPLATE.copy()', 'COMPACT.copy()')
                     for line in json_lines]
    namespace = {'new': cls.__new__, 'C': cls, 'IMM': _IMMUTABLE_TYPES, 'cj': copy_json, 'iso': clock.to_iso,
                 'dt': datetime, 'PJ': PackedJson, 'up': _decode_json, 'TEMPLATE': template, 'SIMPLE': simple,
                 'COMPACT': dict.fromkeys(plain), 'ALL_IMMUTABLE': _IMMUTABLE_TYPES.issuperset,
                 'NO_CONVERSION': frozenset((datetime, PackedJson)).isdisjoint,
                 'ISO': clock.cached_iso, 'BASE_CLONE': DataObjectV1.clone, 'BASE_JSON': DataObjectV1.to_json,
                 'WALK_CLONE': DataObjectV1._clone_walk, 'WALK_JSON': DataObjectV1._json_walk}
    exec('\n'.join(clone_lines + json_lines + compact_lines), namespace)  # noqa: S102 - our own field names
    return namespace['clone'], namespace['to_json'], namespace['to_compact_json']


class DataObjectV1:
    """Subclasses declare their fields as keyword arguments of ``__init__`` and list the datetime
    ones in ``_date_fields`` (or declare a field table: field_table.py); JSON conversion and copying
    then need no per-class code.

    A subclass may declare ``__slots__`` (its field names) so a stored object carries no per-instance
    dict (jobs: hundreds of bytes less each); subclasses without ``__slots__`` keep a ``__dict__``."""

    __slots__ = ()

    _date_fields: frozenset = frozenset()
    _packed_fields: frozenset = frozenset()  # fields a store may hold as PackedJson
    _sparse_fields: tuple = ()  # fields kept in one ``sparse_values`` dict (a slot) only when not None
    _field_names_cache: Dict[type, tuple] = {}
    _slots_cache: Dict[type, Optional[tuple]] = {}
    _copiers_cache: Dict[type, tuple] = {}
    _field_sets: Dict[type, frozenset] = {}

    @classmethod
    def _copiers(cls) -> tuple:
        """The generated (clone, to_json, to_compact_json) of a slotted class, installed on it the first time (a class
        that defines its own keeps it): later calls cost no lookup on the way."""
        try:
            return DataObjectV1._copiers_cache[cls]
        except KeyError:
            slots = cls._slots()
            if slots is None:
                raise TypeError(f'{cls.__name__} has instance dicts: its copies need no compiling')
            copiers = DataObjectV1._copiers_cache[cls] = _compile_slot_copiers(cls, slots)
            for name, function in zip(('clone', 'to_json', 'to_compact_json'), copiers):
                if getattr(cls, name) is getattr(DataObjectV1, name):  # never over a class's own method
                    setattr(cls, name, function)
            return copiers

    @classmethod
    def field_names(cls) -> tuple:
        """The field names, in the constructor's order (the order of ``to_json``)."""
        names = DataObjectV1._field_names_cache.get(cls)
        if names is None:
            params = inspect.signature(cls.__init__).parameters
            names = tuple(n for n in params if n != 'self')
            DataObjectV1._field_names_cache[cls] = names
        return names

    @classmethod
    def date_fields(cls) -> frozenset:
        """The names of the datetime fields (ISO text in JSON, twin fields in MongoDB)."""
        return cls._date_fields

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
        if self._sparse_fields:
            slots = self.field_names()
        return ((n, getattr(self, n)) for n in slots if hasattr(self, n))

    def to_dict(self) -> dict:
        """The attributes as a plain dict (datetimes stay datetimes)."""
        return dict(self._fields())

    def to_json(self) -> dict:
        """A JSON-ready dict: datetimes become ISO 8601 strings."""
        if self._slots() is None:
            return {name: json_value(value) for name, value in self.__dict__.items()}
        return self._copiers()[1](self)

    def to_compact_json(self) -> dict:
        """to_json without the sparse fields that are None (what they are when absent): what a journal
        stores, as from_json reads it back the same."""
        if self._slots() is None:
            return self.to_json()
        return self._copiers()[2](self)

    def _json_walk(self) -> dict:
        """to_json of a slotted object with a slot left unset (skipped)."""
        result = {}
        for name in (self.field_names() if self._sparse_fields else self._slots() or ()):
            value = getattr(self, name, _MISSING)
            if value is not _MISSING:
                result[name] = json_value(value)
        return result

    @overload
    @classmethod
    def from_json(cls, data: None) -> None: ...

    @overload
    @classmethod
    def from_json(cls, data: Any) -> Self: ...

    @classmethod
    def from_json(cls, data: Any) -> Optional[Self]:
        """Builds a typed object from a dict (e.g. parsed JSON); unknown keys are dropped."""
        if data is None:
            return None
        if isinstance(data, cls):
            return data.clone()
        fields = DataObjectV1._field_sets.get(cls)
        if fields is None:
            fields = DataObjectV1._field_sets[cls] = frozenset(cls.field_names())
        keys = data.keys()
        if keys <= fields and keys.isdisjoint(cls._date_fields):
            return cls(**data)  # only known fields and no date to parse (a new job from a producer)
        names = cls.field_names()
        kwargs = {}
        for name in names:
            if name in data:
                value = data[name]
                kwargs[name] = clock.to_datetime(value) if name in cls._date_fields else value
        return cls(**kwargs)

    def clone(self) -> Self:
        """A copy that shares nothing mutable with the original (stored objects never leak)."""
        cls = self.__class__
        if cls._slots() is not None:
            return cls._copiers()[0](self)
        result = cls.__new__(cls)
        result.__dict__ = {  # type: ignore[misc]  # a subclass without slots has one
            k: (v if isinstance(v, _IMMUTABLE) else copy_json(v)) for k, v in self.__dict__.items()}
        return result

    def _clone_walk(self) -> Self:
        """clone of a slotted object with a slot left unset (left unset in the copy too)."""
        cls = self.__class__
        result = cls.__new__(cls)
        for name in cls._slots() or ():
            v = getattr(self, name, _MISSING)
            if v is not _MISSING:
                setattr(result, name, v if v.__class__ in _IMMUTABLE_TYPES else copy_json(v))
        return result

    def __eq__(self, other: Any) -> bool:
        if type(other) is not type(self):
            return False
        if self._slots() is None:
            return other.__dict__ == self.__dict__
        return dict(other._fields()) == dict(self._fields())

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value (as before: __eq__ without __hash__)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({json.dumps(self.to_json(), default=str)})'
