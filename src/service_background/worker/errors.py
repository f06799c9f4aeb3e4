"""How a worker reads errors: a handler's error as text for its job, and a failed call as transient or final."""
import asyncio
import os
import traceback
from typing import Optional

from pip_services3_commons.errors import ApplicationException, ConnectionException

MAX_ERROR_LENGTH = 4000
TRACEBACK_LINES = 40


def format_error(ex: BaseException, max_length: int = MAX_ERROR_LENGTH) -> str:
    """``Type: message`` then the head of the traceback from the handler's frame on (the worker's
    and asyncio's frames that called it are left out), cut to ``max_length`` characters."""
    text = f'{type(ex).__name__}: {ex}'
    tb = ex.__traceback__
    while tb is not None and tb.tb_next is not None and _is_ours(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    if tb is not None:
        lines = ''.join(traceback.format_tb(tb)).splitlines()
        text += '\nTraceback (most recent call last):\n' + '\n'.join(lines[:TRACEBACK_LINES])
    return text if len(text) <= max_length else text[:max_length - 3] + '...'


_OURS = (os.path.dirname(os.path.abspath(__file__)) + os.sep, os.path.dirname(asyncio.__file__) + os.sep)


def _is_ours(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_OURS)


def error_status(ex: BaseException) -> Optional[int]:
    """The HTTP status of an answered call; None when the service was not reached (or for an
    exception that is no call's answer)."""
    if isinstance(ex, ConnectionException) or not isinstance(ex, ApplicationException):
        return None
    status = getattr(ex, 'status', None)
    return int(status) if status else None


def is_transient(ex: BaseException) -> bool:
    """Worth retrying later: no answer, a 5xx, or 429."""
    if isinstance(ex, ConnectionException):
        return True
    status = error_status(ex)
    return status is not None and (status >= 500 or status == 429)
