"""The arguments of cron's function commands with what cron_funcs.py accepts, described for /openapi.json
(but that lua_body parses as Lua, which only the Lua runtime can tell)."""
from pip_services3_commons.convert import TypeCode

from service_background.common.data.validation import DescribedSchema, json_number, json_text
from service_background.cron.data.version1.cron_job_v1_schema import NAME


def func_args(typed: bool = True) -> DescribedSchema:
    """{group_name, name}: remove_func (add_func's are untyped: the controller names the field)."""
    kind = TypeCode.String if typed else None
    return DescribedSchema(True).with_described('group_name', NAME, kind, required=True) \
        .with_described('name', NAME, kind, required=True)


def new_func_args() -> DescribedSchema:
    return func_args(typed=False).with_described('lua_body', json_text(256 * 1024, blank=False), required=True) \
        .with_described('memo', json_text(4096)).with_described('momo', json_text(4096)) \
        .with_described('timeout', {**json_number(0, 300), 'description': 'seconds; 0 is the default'}) \
        .with_described('use_otp', {'type': 'boolean'}) \
        .with_described('disable_group_otp', {'type': 'boolean'})
