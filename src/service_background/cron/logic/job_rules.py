"""Checks of cron input: every failure is a 400 whose code and message name the field."""
import re
import secrets
import time
from typing import Any, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.cron.data.version1 import CronJobV1
from service_background.cron.logic.cron_executors import CronExecutors
from service_background.cron.logic.interval_patterns import Schedule, parse_schedule

NAME_RULE = re.compile(r'[a-zA-Z0-9_]{1,22}')
DEFAULT_TIMEOUT = 60
MAX_TIMEOUT = 86400
MAX_COMMAND = 256 * 1024
MAX_EXEC_TIME = 253402300799  # 9999-12-31

# fields a client may set on add/edit, with their checks below
EDITABLE = ('name', 'exec_time', 'request_url', 'interval_pattern', 'exec_command', 'timeout', 'memo')


def _bad(correlation_id: Optional[str], field: str, message: str) -> BadRequestException:
    return BadRequestException(correlation_id, 'BAD_' + field.upper(), f'{field}: {message}') \
        .with_details('field', field)


def check_name_rule(correlation_id: Optional[str], field: str, value: Any) -> str:
    """group_name and job_id: [a-zA-Z0-9_]{1,22}."""
    if not isinstance(value, str) or not NAME_RULE.fullmatch(value):
        raise _bad(correlation_id, field, f'must match [a-zA-Z0-9_]{{1,22}}, got {value!r}')
    return value


def check_text(correlation_id: Optional[str], field: str, value: Any, max_length: int,
               required: bool = False) -> str:
    if value is None and not required:
        return ''
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(correlation_id, field, 'must be a non-empty string' if required else 'must be a string')
    if len(value) > max_length:
        raise _bad(correlation_id, field, f'must be at most {max_length} characters')
    return value


def check_exec_time(correlation_id: Optional[str], value: Any):
    """Unix seconds (a fraction is kept to the millisecond); 0 (or none) means now."""
    if value is None:
        return 0
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_EXEC_TIME:
        raise _bad(correlation_id, 'exec_time', 'must be a unix time in seconds, or 0 for now')
    return int(value) if value == int(value) else round(value, 3)


def check_timeout(correlation_id: Optional[str], value: Any) -> float:
    """Seconds; 0 or none gives the default (60 s)."""
    if value is None or value == 0:
        return DEFAULT_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_TIMEOUT:
        raise _bad(correlation_id, 'timeout', f'must be a number of seconds in (0, {MAX_TIMEOUT}]')
    return value


def check_schedule(correlation_id: Optional[str], value: Any) -> Schedule:
    try:
        return parse_schedule(value)
    except ValueError as ex:
        raise _bad(correlation_id, 'interval_pattern', str(ex))


def check_fields(correlation_id: Optional[str], data: dict, partial: bool) -> dict:
    """The editable fields present in ``data`` (all of them unless ``partial``), checked and normalized."""
    result = {}
    for field in EDITABLE:
        if partial and field not in data:
            continue
        value = data.get(field)
        if field == 'name':
            result[field] = check_text(correlation_id, field, value, 128, required=True)
        elif field == 'exec_time':
            result[field] = check_exec_time(correlation_id, value)
        elif field == 'request_url':
            result[field] = check_text(correlation_id, field, value, 4096, required=True)
        elif field == 'interval_pattern':
            result[field] = check_schedule(correlation_id, value).pattern
        elif field == 'exec_command':
            result[field] = check_text(correlation_id, field, value, MAX_COMMAND)
        elif field == 'timeout':
            result[field] = check_timeout(correlation_id, value)
        elif field == 'memo':
            result[field] = check_text(correlation_id, field, value, 4096)
    return result


def check_runnable(correlation_id: Optional[str], job: CronJobV1, executors: CronExecutors):
    """An executor for the job's request_url prefix exists and accepts the job."""
    try:
        executors.get(job.request_url).validate(job)
    except ValueError as ex:
        message = str(ex)
        field = message.split(':', 1)[0] if ':' in message and message.split(':', 1)[0] in EDITABLE \
            else 'request_url'
        raise BadRequestException(correlation_id, 'BAD_' + field.upper(), message).with_details('field', field)


def new_job_id() -> str:
    """A 19-digit id as the original API makes them (milliseconds + 6 random digits): sortable by creation."""
    return f'{time.time_ns() // 1_000_000}{secrets.randbelow(10 ** 6):06d}'
