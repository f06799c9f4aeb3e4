"""The quick pass in front of pip-services' schema validation never lets through what the library refuses."""
import itertools

from pip_services3_commons.commands import ICommandable
from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ArraySchema, FilterParamsSchema, ObjectSchema

from service_background.common.data.fast_schema import compile_schema
from service_background.jobs.logic.jobs_command_set import JobsCommandSet
from service_background.retries.logic.retries_command_set import RetriesCommandSet
from service_background.tasks.logic.tasks_command_set import TasksCommandSet

VALUES = ['a', '', True, False, 0, 1, -5, 2 ** 70, 1.5, {}, {'a': 1}, [], [1], None]


class _Anything(ICommandable):
    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _schemas():
    for command_set in (RetriesCommandSet(_Anything()), JobsCommandSet(_Anything()), TasksCommandSet(_Anything())):
        for command in command_set.get_commands():
            yield command.get_name(), command._schema


def test_fast_pass_agrees_with_the_library_on_every_command_schema():
    checked = 0
    for name, schema in _schemas():
        fast = compile_schema(schema)
        if fast is None:
            continue
        properties = [p.get_name() for p in schema.get_properties() or []] + ['extra']
        for prop in properties:
            for value in VALUES:
                for base in ({}, {p: 'x' for p in properties[:-1]}, {p: 1 for p in properties[:-1]}):
                    args = dict(base, **{prop: value})
                    if fast(args):
                        assert schema.validate(args) == [], (name, args)
                    checked += 1
    assert checked > 1000


def test_a_schema_it_cannot_vouch_for_is_left_to_the_library():
    assert compile_schema(ObjectSchema(True).with_optional_property("filter", FilterParamsSchema())) is None
    assert compile_schema(ObjectSchema(True).with_optional_property("x", ArraySchema(FilterParamsSchema()))) is None
    assert compile_schema(None) is None


def test_closed_schemas_refuse_unknown_fields_and_types_are_checked():
    schema = ObjectSchema(False).with_required_property('group', TypeCode.String) \
        .with_optional_property('ttl', TypeCode.Float)
    fast = compile_schema(schema)
    for args, expected in [({'group': 'g'}, True), ({'group': 'g', 'ttl': 5}, True), ({'group': 'g', 'x': 1}, False),
                           ({'group': 1}, False), ({}, False), ({'group': 'g', 'ttl': True}, False),
                           ({'group': 'g', 'ttl': 'soon'}, False)]:
        assert fast(args) is expected, args
        if expected:
            assert schema.validate(args) == []
    assert list(itertools.islice(_schemas(), 1))


def test_nested_new_job_schemas_agree_with_the_library():
    schemas = dict(_schemas())
    checked = 0
    for name in ('add_job', 'add_jobs'):
        schema = schemas[name]
        fast = compile_schema(schema)
        assert fast is not None
        for field in ('type', 'params', 'priority', 'ttl', 'ref_id', 'max_retries', 'unknown'):
            for value in VALUES:
                job = {'type': 't', field: value}
                args = {'new_job': job} if name == 'add_job' else {'new_jobs': [job, {'type': 'u'}]}
                if fast(args):
                    assert schema.validate(args) == [], (name, args)
                    checked += 1
    assert checked > 20
