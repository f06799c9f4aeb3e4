"""One notion of time for every domain: aware UTC datetimes cut to milliseconds.

Milliseconds because MongoDB keeps no more; cutting everywhere keeps the three persistences equal.
"""
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Tuple, overload

from pip_services3_commons.errors import BadRequestException

# A batch asks the time once per job: calls within one millisecond share one datetime (and so the
# formatted text to_iso caches for it). The pair is replaced whole, so threads never see half of it.
_last_now: Tuple[int, Any] = (-1, None)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_time_ns = time.time_ns


def now() -> datetime:
    global _last_now
    ms = _time_ns() // 1_000_000
    last = _last_now
    if last[0] == ms:
        return last[1]
    value = _EPOCH + timedelta(0, 0, 0, ms)  # whole milliseconds, exactly (a float division may not be)
    _last_now = (ms, value)
    return value


def now_ms() -> int:
    """The wall clock in Unix milliseconds (as schedules count them)."""
    return time.time_ns() // 1_000_000


def truncate(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


_DELTAS: dict = {}  # lease timeouts and TTLs are a few values: their timedeltas are made once


def add_ms(value: datetime, ms: float) -> datetime:
    delta = _DELTAS.get(ms)
    if delta is None:
        delta = timedelta(milliseconds=ms)
        if len(_DELTAS) < 1024:
            _DELTAS[ms] = delta
    result = value + delta
    return result if not result.microsecond % 1000 else truncate(result)


@overload
def to_datetime(value: datetime) -> datetime: ...


@overload
def to_datetime(value: Any) -> Optional[datetime]: ...


def to_datetime(value: Any) -> Optional[datetime]:
    """Parses None, a datetime, an ISO 8601 string or epoch milliseconds; raises BadRequest on junk."""
    if value is None or value == '':
        return None
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, bool):
        raise BadRequestException(None, 'BAD_DATE', f'Not a date: {value!r}')
    elif isinstance(value, (int, float)):
        result = datetime.fromtimestamp(value / 1000.0, timezone.utc)
    elif isinstance(value, str):
        try:
            result = datetime.fromisoformat(value.strip().replace('Z', '+00:00'))
        except ValueError:
            raise BadRequestException(None, 'BAD_DATE', f'Not an ISO 8601 date: {value!r}')
    else:
        raise BadRequestException(None, 'BAD_DATE', f'Not a date: {value!r}')
    if result.tzinfo is None:
        result = result.replace(tzinfo=timezone.utc)
    return truncate(result.astimezone(timezone.utc))


# The jobs of one batch share their times (created, started, completed are one "now"), so most of
# a reply's dates were formatted moments ago: equal datetimes are one instant and one string.
_ISO_CACHE: dict = {}
_ISO_CACHE_SIZE = 4096
cached_iso = _ISO_CACHE.get  # the text of a datetime formatted lately, else None (generated to_json)


def to_iso(value: Optional[datetime]) -> Optional[str]:
    if value is None:
        return None
    if value.__class__ is not datetime:
        utc = to_datetime(value)
        return _format(utc)
    text = _ISO_CACHE.get(value)
    if text is not None:
        return text
    text = _format(value if value.tzinfo is timezone.utc else to_datetime(value))
    if len(_ISO_CACHE) >= _ISO_CACHE_SIZE:
        _ISO_CACHE.clear()
    _ISO_CACHE[value] = text
    return text


def _format(utc: datetime) -> str:
    # %-formatting of the fields: a third cheaper than isoformat(), which formats the offset it then loses
    return _ISO_TEXT % (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond // 1000)


_ISO_TEXT = '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ'


def from_epoch_ms(ms: Optional[int]) -> Optional[datetime]:
    """Unix milliseconds (as schedules count them) as an aware UTC datetime; None stays None."""
    return None if ms is None else _EPOCH + timedelta(milliseconds=ms)


def to_epoch_ms(value: datetime) -> int:
    return int(round(value.timestamp() * 1000))
