"""A FieldTable class builds its slots, constructor, schema and JSON from its one table of fields."""
import inspect
from datetime import datetime, timezone
from typing import Any, Optional

import pytest
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ObjectSchema

from service_background.common.data.data_object import DataObjectV1, PackedJson
from service_background.common.data.field_table import FieldTable, add_properties, data_field


class _Item(DataObjectV1, metaclass=FieldTable):
    id: Optional[str] = data_field(default=None, type_code=TypeCode.String, required=True)
    count: int = data_field(default=3, type_code=TypeCode.Integer)
    body: Any = data_field(default=None, packed=True)
    note: Optional[str] = data_field(default=None, type_code=TypeCode.String, sparse=True)
    seen: Optional[datetime] = data_field(default=None, sparse=True)


class _Child(_Item):
    __slots__ = ('extra',)


def test_the_table_gives_slots_a_constructor_in_its_order_and_the_field_kinds():
    assert _Item.__slots__ == ('id', 'count', 'body', 'sparse_values')
    parameters = inspect.signature(_Item.__init__).parameters
    assert [(p.name, p.default) for p in parameters.values()][1:] == [
        ('id', None), ('count', 3), ('body', None), ('note', None), ('seen', None)]
    assert _Item.field_names() == ('id', 'count', 'body', 'note', 'seen')
    assert _Item._sparse_fields == ('note', 'seen') and _Item._date_fields == frozenset({'seen'})
    assert _Item._packed_fields == frozenset({'body'}) and not hasattr(_Item(), '__dict__')


def test_sparse_fields_live_in_one_dict_only_while_set():
    item = _Item(id='a')
    assert item.sparse_values is None and item.note is None
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    item = _Item(id='a', note='n', seen=when, body=PackedJson(b'[1]'))
    assert item.sparse_values == {'note': 'n', 'seen': when}
    assert item.to_json() == {'id': 'a', 'count': 3, 'body': [1], 'note': 'n', 'seen': '2026-01-02T03:04:05.000Z'}
    item.note, item.seen = None, None
    assert item.sparse_values is None
    assert _Item.from_json({'id': 'b', 'seen': '2026-01-02T03:04:05Z'}).seen == when


def test_compact_json_leaves_out_only_the_sparse_fields_that_are_none():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    item = _Item(id='a', count=None, seen=when, body=PackedJson(b'[1]'))
    assert item.to_compact_json() == {'id': 'a', 'count': None, 'body': [1], 'seen': '2026-01-02T03:04:05.000Z'}
    assert _Item.from_json(item.to_compact_json()).to_json() == item.to_json(), 'read back the same'
    assert _Item(id='b').to_compact_json() == {'id': 'b', 'count': 3, 'body': None}
    assert _Child(id='c').to_compact_json() == _Child(id='c').to_json(), 'a subclass with slots of its own: whole'


def test_the_schema_takes_each_fields_rule():
    schema = ObjectSchema()
    add_properties(schema, _Item.table_fields())
    assert [(p.get_name(), p.is_required(), p.get_type()) for p in schema.get_properties()] == [
        ('id', True, TypeCode.String), ('count', False, TypeCode.Integer), ('body', False, None),
        ('note', False, TypeCode.String), ('seen', False, None)]


def test_a_subclass_without_fields_keeps_the_table():
    assert _Child.table_fields() == _Item.table_fields() and _Child(id='c', note='n').note == 'n'


def test_mutable_defaults_and_sparse_fields_without_slots_are_refused():
    with pytest.raises(TypeError):
        data_field(default=[])
    with pytest.raises(TypeError):
        class _Loose(DataObjectV1, metaclass=FieldTable, slots=False):
            note: Optional[str] = data_field(default=None, sparse=True)
