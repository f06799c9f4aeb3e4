"""A quick pass over a command's arguments before pip-services' ObjectSchema validation, which costs
~40 µs a call (~50 µs for a new job). For schemas made of properties typed by TypeCode, nested
ObjectSchemas and ArraySchemas without rules, it checks presence and types; when that passes the
library would pass too, so its walk is skipped. Anything it cannot vouch for goes through the
library, which then produces the usual errors."""
from typing import Any, Callable, Optional

from pip_services3_commons.convert import TypeCode
from pip_services3_commons.validate import ArraySchema, ObjectSchema, PropertySchema

_NUMBER = (int, float)
_TYPES = {TypeCode.String: (str,), TypeCode.Boolean: (bool,), TypeCode.Integer: _NUMBER, TypeCode.Long: _NUMBER,
          TypeCode.Float: _NUMBER, TypeCode.Double: _NUMBER, TypeCode.Map: (dict,), TypeCode.Array: (list,)}

Check = Callable[[Any], bool]


def _any(value: Any) -> bool:
    return True


def _type_check(spec: Any) -> Optional[Check]:
    """A check of a non-None value against a property's type, or None when it is not one we know."""
    if spec is None:
        return _any
    if isinstance(spec, ObjectSchema):
        return _object_check(spec)
    if isinstance(spec, ArraySchema):
        if spec.get_rules() or type(spec)._perform_validation is not ArraySchema._perform_validation:
            return None
        item = _type_check(spec.get_value_type())
        if item is None:
            return None
        return lambda value: isinstance(value, list) and all(v is None or item(v) for v in value)
    try:
        types = _TYPES.get(spec)
    except TypeError:
        return None
    if types is None:
        return None
    if bool in types:
        return lambda value: isinstance(value, types)
    return lambda value: isinstance(value, types) and not isinstance(value, bool)


def _object_check(schema: ObjectSchema) -> Optional[Check]:
    if schema.get_rules() or type(schema)._perform_validation is not ObjectSchema._perform_validation:
        return None
    checks = []
    for prop in schema.get_properties() or []:
        if type(prop) is not PropertySchema or prop.get_rules():
            return None
        check = _type_check(prop.get_type())
        if check is None:
            return None
        checks.append((prop.get_name(), prop.is_required(), check))
    by_name = {name: check for name, _, check in checks}
    required = tuple(name for name, is_required, _ in checks if is_required)
    closed = not schema.is_undefined_allowed

    def surely_valid(args: Any) -> bool:
        # driven by the keys sent (a new job sends 2 of its schema's 20): an unknown key, a wrong type or
        # a missing required one is "cannot tell", and the library decides
        if not isinstance(args, dict):
            return False
        check_of = by_name.get
        for name, value in args.items():
            check = check_of(name)
            if check is None:
                if closed:
                    return False
            elif value is not None and not check(value):
                return False
        for name in required:
            if dict.get(args, name) is None:
                return False
        return True
    return surely_valid


def compile_schema(schema: Any) -> Optional[Check]:
    """A function telling whether ``args`` surely pass ``schema``; None when it cannot tell for this schema."""
    return _object_check(schema) if isinstance(schema, ObjectSchema) else None
