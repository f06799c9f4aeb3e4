"""The queue API's X-Accepted-* headers: numbers of seconds (fractions allowed), read strictly."""
import math
from typing import Optional

from pip_services3_commons.errors import BadRequestException

from service_background.common.data.validation import MAX_NUMBER
from service_background.common.http.request import current_request


def seconds_header(name: str) -> Optional[float]:
    """The header's value in ms, or None when absent; junk or a negative number is a 400."""
    return _seconds(name, False)


def wait_header(name: str) -> Optional[float]:
    """A long-poll's wait in ms: as ``seconds_header``, but a number however large (past a float's range
    too) is a wait the controller caps at its ``max_wait``, never a 400."""
    return _seconds(name, True)


def _seconds(name: str, capped: bool) -> Optional[float]:
    raw = current_request().header(name)
    if raw is None or raw.strip() == '':
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if math.isnan(value) or value < 0 or not (capped or math.isfinite(value)):
        raise BadRequestException(None, 'BAD_HEADER', f'{name} must be a number of seconds >= 0, not {raw!r}')
    return min(value * 1000.0, MAX_NUMBER) if capped else value * 1000.0


def priority_header(name: str = 'X-Accepted-Priority') -> Optional[int]:
    raw = current_request().header(name)
    if raw is None or raw.strip() == '':
        return None
    if raw.strip() not in ('0', '1', '2', '3'):
        raise BadRequestException(None, 'BAD_HEADER', f'{name} must be 0 (highest) to 3, not {raw!r}')
    return int(raw)


def url_header(name: str) -> Optional[str]:
    raw = current_request().header(name)
    return raw.strip() if raw is not None and raw.strip() else None
