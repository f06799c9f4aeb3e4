"""interval_pattern parsing: 6-field cron (seconds first, via croniter), @yearly..@hourly, @every <Go
duration>, @once."""
# Every time here is integer unix milliseconds (UTC), so the scheduler, the persistences and the claims
# compare planned times exactly.
import re
from abc import ABC, abstractmethod
from functools import lru_cache
from typing import Optional

from croniter import croniter
from croniter.croniter import CroniterError

MIN_EVERY_MS = 1000

SPECIALS = {
    '@yearly': '0 0 0 1 1 *', '@annually': '0 0 0 1 1 *', '@monthly': '0 0 0 1 * *',
    '@weekly': '0 0 0 * * 0', '@daily': '0 0 0 * * *', '@midnight': '0 0 0 * * *', '@hourly': '0 0 * * * *',
}

# The documented table: digits and * / , - everywhere, names in month and day of week, ? in both day fields.
# Stricter than croniter, which would also take L, W, # and H.
_FIELDS = [
    ('seconds', r'[0-9*/,\-]+'), ('minutes', r'[0-9*/,\-]+'), ('hours', r'[0-9*/,\-]+'),
    ('day of month', r'[0-9*/,\-?]+'), ('month', r'[0-9A-Za-z*/,\-]+'), ('day of week', r'[0-9A-Za-z*/,\-?]+'),
]

_DURATION_UNITS = {'ns': 1e-6, 'us': 1e-3, 'µs': 1e-3, 'μs': 1e-3, 'ms': 1, 's': 1000, 'm': 60000, 'h': 3600000}
_DURATION_PART = re.compile(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)')


class Schedule(ABC):

    def __init__(self, pattern: str):
        self.pattern = pattern

    @abstractmethod
    def first_run(self, exec_time_ms: int, now_ms: int) -> Optional[int]:
        """The first run of a job added or resumed at ``now_ms``; exec_time 0 means now."""

    @abstractmethod
    def next_run(self, planned_ms: int, now_ms: int) -> Optional[int]:
        """The run after ``planned_ms``, strictly later than ``now_ms``: missed runs are skipped."""


class OnceSchedule(Schedule):

    def first_run(self, exec_time_ms: int, now_ms: int) -> Optional[int]:
        return max(exec_time_ms, now_ms)

    def next_run(self, planned_ms: int, now_ms: int) -> Optional[int]:
        return None


class EverySchedule(Schedule):

    def __init__(self, pattern: str, period_ms: int):
        super().__init__(pattern)
        self.period_ms = period_ms

    def first_run(self, exec_time_ms: int, now_ms: int) -> Optional[int]:
        if exec_time_ms <= 0 or exec_time_ms >= now_ms:
            return max(exec_time_ms, now_ms)
        # a start in the past keeps its phase: the first tick from now on
        return exec_time_ms + -(-(now_ms - exec_time_ms) // self.period_ms) * self.period_ms

    def next_run(self, planned_ms: int, now_ms: int) -> Optional[int]:
        result = planned_ms + self.period_ms
        if result <= now_ms:
            result = planned_ms + ((now_ms - planned_ms) // self.period_ms + 1) * self.period_ms
        return result


class CronSchedule(Schedule):

    def __init__(self, pattern: str, expression: str):
        super().__init__(pattern)
        self.expression = expression

    def next_after(self, ms: int) -> Optional[int]:
        try:
            return int(croniter(self.expression, ms / 1000.0, second_at_beginning=True).get_next(float) * 1000)
        except CroniterError:
            return None

    def first_run(self, exec_time_ms: int, now_ms: int) -> Optional[int]:
        return self.next_after(max(exec_time_ms, now_ms) - 1)  # a match exactly at the start counts

    def next_run(self, planned_ms: int, now_ms: int) -> Optional[int]:
        return self.next_after(max(planned_ms, now_ms))


def parse_duration_ms(text: str) -> int:
    """A Go duration (``5s``, ``1m30s``, ``1.5h``, ``300ms``) in milliseconds."""
    text = text.strip()
    position, total = 0, 0.0
    if not text:
        raise ValueError('empty duration')
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise ValueError(f'{text!r} is not a duration like 5s, 1m30s or 2h')
    return int(round(total))


def _parse_cron(pattern: str, expression: str) -> CronSchedule:
    fields = expression.split()
    if len(fields) != 6:
        raise ValueError(f'{pattern!r} must have 6 fields (seconds minutes hours day-of-month month day-of-week)'
                         f', not {len(fields)}')
    for (name, allowed), field in zip(_FIELDS, fields):
        if not re.fullmatch(allowed, field):
            raise ValueError(f'{pattern!r}: bad {name} field {field!r}')
    try:
        croniter(expression, 0, second_at_beginning=True)
    except (CroniterError, ValueError, KeyError) as ex:
        raise ValueError(f'{pattern!r} is not a valid cron pattern: {ex}')
    schedule = CronSchedule(pattern, expression)
    if schedule.next_after(0) is None:
        raise ValueError(f'{pattern!r} never matches a date')
    return schedule


@lru_cache(maxsize=4096)
def parse_schedule(pattern: str) -> Schedule:
    """Raises ValueError with a message for the user on an invalid pattern."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError('interval_pattern must be a non-empty string')
    text = ' '.join(pattern.split())
    lower = text.lower()
    if lower == '@once':
        return OnceSchedule(text)
    if lower.startswith('@every'):
        rest = text[len('@every'):]
        if not rest.startswith(' '):
            raise ValueError(f'{pattern!r}: use @every <duration>, e.g. @every 5s')
        period = parse_duration_ms(rest)
        if period < MIN_EVERY_MS:
            raise ValueError(f'{pattern!r}: the period must be at least 1s')
        return EverySchedule(text, period)
    if lower in SPECIALS:
        return _parse_cron(text, SPECIALS[lower])
    if text.startswith('@'):
        raise ValueError(f'{pattern!r} is not one of @once, @every <duration>, @yearly, @annually, @monthly, '
                         f'@weekly, @daily, @midnight, @hourly')
    return _parse_cron(text, text)
