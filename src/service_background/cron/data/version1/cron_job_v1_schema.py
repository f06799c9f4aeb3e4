"""The arguments of cron's job commands (add_job, edit_job, active_job, ...) with what job_rules.py and
interval_patterns.py accept, described for /openapi.json; the checks themselves stay in job_rules.py."""
from pip_services3_commons.convert import TypeCode

from service_background.common.data.validation import DescribedSchema, json_number, json_text

NAME = {'type': 'string', 'pattern': '^[a-zA-Z0-9_]{1,22}$'}  # group_name, job_id and func names
# unix seconds up to 9999-01-01: job_rules takes up to 9999-12-31, but a cron pattern's next run from
# the last days of 9999 falls past the last date Python has (a 400 that names no field)
EXEC_TIME = {**json_number(0, 253370764800), 'description': 'unix seconds; 0 (or none) is now'}
_FIELD = '(\\*|\\*/[1-9]|[1-5]?[0-9])'  # seconds, minutes
# a subset of what interval_patterns.py parses: @once, the @yearly..@hourly names, @every <1..9999><s|m|h>, and
# 6-field cron with plain values, * and */n (days of month 1..28, so every pattern matches a date)
INTERVAL_PATTERN = {
    'type': 'string', 'description': '@once, @every <duration>, @yearly..@hourly, or 6-field cron (seconds first)',
    'pattern': '^(@(once|yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [1-9][0-9]{0,3}[smh]|'
               f'{_FIELD} {_FIELD} (\\*|\\*/[1-9]|1?[0-9]|2[0-3]) (\\*|[1-9]|1[0-9]|2[0-8]) (\\*|[1-9]|1[0-2]) '
               '(\\*|[0-6]))$'}
# HTTP@ jobs; LUA@, REMOTE@ and JOB@ jobs are accepted too, but their exec_command must parse (Lua source,
# a shell command with nodes, JSON params), which a JSON Schema cannot say
REQUEST_URL = {'type': 'string', 'maxLength': 4096,
               'description': 'HTTP@<http(s) URL>; also LUA@, REMOTE@<node ids> and JOB@<type> with an exec_command',
               'pattern': '^HTTP@https?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~%-]*)*$'}


def _fields(schema: DescribedSchema, required: bool) -> DescribedSchema:
    """The editable fields (job_rules.EDITABLE): all required on add but memo, exec_command, exec_time and timeout."""
    return schema.with_described('name', json_text(128, blank=False), required=required) \
        .with_described('exec_time', EXEC_TIME) \
        .with_described('request_url', REQUEST_URL, required=required) \
        .with_described('interval_pattern', INTERVAL_PATTERN, required=required) \
        .with_described('exec_command', json_text(256 * 1024)) \
        .with_described('timeout', {**json_number(0, 86400), 'description': 'seconds; 0 (or none) is 60'}) \
        .with_described('memo', json_text(4096))


def job_args(job_id_required: bool = True, typed: bool = True) -> DescribedSchema:
    """{group_name, job_id}: job_id may be left out of add_job (an id is made). Untyped, the names are
    checked by the controller alone (its 400 names the field)."""
    kind = TypeCode.String if typed else None
    return DescribedSchema(True).with_described('group_name', NAME, kind, required=True) \
        .with_described('job_id', NAME, kind, required=job_id_required)


def new_cron_job_args() -> DescribedSchema:
    return _fields(job_args(job_id_required=False, typed=False), required=True)


def cron_job_changes_args() -> DescribedSchema:
    return _fields(job_args(typed=False), required=False)


def active_job_args() -> DescribedSchema:
    return job_args().with_described('exec_time', EXEC_TIME)


def group_args(required: bool = True) -> DescribedSchema:
    return DescribedSchema(True).with_described('group_name', NAME, TypeCode.String, required=required)


def jobs_by_name_args() -> DescribedSchema:
    return group_args().with_described('name', json_text(128, blank=False), TypeCode.String, required=True)
