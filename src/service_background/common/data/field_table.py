"""Data classes declared as one table: each field once (name, type, default, storage, schema rule), from
which the class's slots, constructor, validation schema and JSON conversion are all built."""
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union, dataclass_transform, get_args

from pip_services3_commons.validate import ObjectSchema

from service_background.common.data.validation import DescribedSchema

_IMMUTABLE_DEFAULTS = (str, int, float, bool, type(None), tuple, frozenset)


class DataField:
    """One field's declaration; ``name`` and ``annotation`` are filled from the class body."""

    __slots__ = ('name', 'annotation', 'default', 'type_code', 'required', 'described', 'sparse', 'packed')

    def __init__(self, default: Any, type_code: Any, required: bool, described: Optional[dict],
                 sparse: bool, packed: bool):
        if not isinstance(default, _IMMUTABLE_DEFAULTS):
            raise TypeError(f'a field default must be immutable, not {default!r}')
        self.name = ''
        self.annotation: Any = None
        self.default = default
        self.type_code = type_code
        self.required = required
        self.described = described
        self.sparse = sparse
        self.packed = packed

    @property
    def is_date(self) -> bool:
        """A datetime field (ISO text in JSON): told by its annotation."""
        return self.annotation is datetime or datetime in get_args(self.annotation)


def data_field(*, default: Any, type_code: Any = None, required: bool = False,
               described: Optional[dict] = None, sparse: bool = False, packed: bool = False) -> Any:
    """Declares a field of a ``FieldTable`` class: ``name: type = data_field(default=..., ...)``; the default
    is always written out (type checkers read a field without one as required).

    ``type_code`` and ``required`` are its validation rule; ``described`` the JSON Schema /openapi.json
    publishes for it; ``sparse`` keeps it in the object's one ``sparse_values`` dict while it is None (fields that few
    objects have); ``packed`` lets a store hold it as PackedJson."""
    return DataField(default, type_code, required, described, sparse, packed)


def _init_source(fields: List[DataField]) -> str:
    """The constructor's code, written out as a hand-written one would be (it runs once per object)."""
    params = ', '.join(f'{f.name}=D_{f.name}' for f in fields)
    lines = [f'def __init__(self, {params}):']
    lines += [f'    self.{f.name} = {f.name}' for f in fields if not f.sparse]
    sparse = [f.name for f in fields if f.sparse]
    if sparse:
        lines += [f'    if {" and ".join(n + " is None" for n in sparse)}:',
                  '        self.sparse_values = None  # most objects: no dict of pairs to build and drop',
                  '        return',
                  f'    x = {{n: v for n, v in ({", ".join(f"({n!r}, {n})" for n in sparse)},) if v is not None}}',
                  '    self.sparse_values = x or None']
    elif not fields:
        lines.append('    pass')
    return '\n'.join(lines)


def _sparse_property(name: str) -> property:
    """A field kept in the object's ``sparse_values`` dict only while it is not None."""
    def get(self: Any) -> Any:
        x = self.sparse_values
        return None if x is None else x.get(name)

    def set(self: Any, value: Any) -> None:
        x = self.sparse_values
        if value is not None:
            if x is None:
                self.sparse_values = {name: value}
            else:
                x[name] = value
        elif x is not None and name in x:
            del x[name]
            if not x:
                self.sparse_values = None
    return property(get, set, doc=f'{name} (sparse: None unless set)')


@dataclass_transform(field_specifiers=(data_field,))
class FieldTable(type):
    """Metaclass of a data class whose body is its field table (``name: type = data_field(...)``).

    It builds ``__init__`` (keyword arguments in table order), ``__slots__`` (unless ``slots=False``: the
    dense fields, plus ``sparse_values`` for the sparse ones) and the ``_date_fields``, ``_packed_fields`` and
    ``_sparse_fields`` that DataObjectV1's JSON and copy code read. A subclass without fields of its own
    is an ordinary subclass."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], namespace: Dict[str, Any], slots: bool = True,
                **kwargs: Any) -> 'FieldTable':
        annotations = namespace.get('__annotations__', {})
        fields: List[DataField] = []
        for field_name, annotation in annotations.items():
            declared = namespace.get(field_name)
            if isinstance(declared, DataField):
                declared.name, declared.annotation = field_name, annotation
                fields.append(declared)
                del namespace[field_name]
        if not fields:
            return super().__new__(mcs, name, bases, namespace, **kwargs)
        sparse = tuple(f.name for f in fields if f.sparse)
        if slots:
            dense = tuple(f.name for f in fields if not f.sparse)
            namespace['__slots__'] = dense + (('sparse_values',) if sparse else ())
        elif sparse:
            raise TypeError('sparse fields live in a slot: a class without slots cannot have them')
        for field_name in sparse:
            namespace[field_name] = _sparse_property(field_name)
        namespace['_fields_table'] = tuple(fields)
        namespace['_sparse_fields'] = sparse
        namespace['_date_fields'] = frozenset(f.name for f in fields if f.is_date)
        namespace['_packed_fields'] = frozenset(f.name for f in fields if f.packed)
        code: Dict[str, Any] = {f'D_{f.name}': f.default for f in fields}
        exec(_init_source(fields), code)  # noqa: S102 - built from the class's own field names
        init = code['__init__']
        init.__qualname__ = f'{namespace.get("__qualname__", name)}.__init__'
        init.__module__ = namespace.get('__module__')
        init.__annotations__ = {f.name: f.annotation for f in fields}
        init.__annotations__['return'] = None
        namespace['__init__'] = init
        return super().__new__(mcs, name, bases, namespace, **kwargs)

    def table_fields(cls) -> Tuple[DataField, ...]:
        """The class's field declarations in table order."""
        for klass in cls.__mro__:
            if '_fields_table' in klass.__dict__:
                fields: Tuple[DataField, ...] = klass.__dict__['_fields_table']
                return fields
        return ()


def add_properties(schema: Union[ObjectSchema, DescribedSchema], fields: Iterable[DataField]) -> None:
    """Adds each field's validation rule (and its published JSON Schema, where it has one) to ``schema``."""
    for field in fields:
        if field.described is not None:
            if not isinstance(schema, DescribedSchema):
                raise TypeError(f'{field.name} is described: its schema must be a DescribedSchema')
            schema.with_described(field.name, field.described, field.type_code, required=field.required)
        elif field.required:
            schema.with_required_property(field.name, field.type_code)
        else:
            schema.with_optional_property(field.name, field.type_code)
