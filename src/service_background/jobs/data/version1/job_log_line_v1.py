"""A line of a job's log ``{time, level, message}``, the bounds every job log store keeps, and the shape of a
``get_job_log`` answer."""
from typing import List, Optional, Sequence

from service_background.common.data.data_object import DataObjectV1

MAX_LINES = 1000  # lines kept per job: the oldest go first
MAX_BYTES = 256 * 1024  # UTF-8 bytes of message text kept per job
MAX_MESSAGE_BYTES = 8 * 1024  # a longer message is cut
MAX_LEVEL_LENGTH = 16
DEFAULT_LEVEL = 'info'


class JobLogLineV1(DataObjectV1):
    """One stored line: ``seq`` counts the job's lines from 1, so a job's kept lines are ``first..last`` and
    ``first - 1`` were dropped. ``time`` is ISO 8601 text as the line was logged."""
    __slots__ = ('job_id', 'seq', 'time', 'level', 'message')

    def __init__(self, job_id: Optional[str] = None, seq: int = 0, time: Optional[str] = None,
                 level: str = DEFAULT_LEVEL, message: str = ''):
        self.job_id = job_id
        self.seq = seq
        self.time = time
        self.level = level
        self.message = message

    def to_line(self) -> dict:
        return {'time': self.time, 'level': self.level, 'message': self.message}

    @property
    def size(self) -> int:
        return message_size(self.message)


def message_size(message: str) -> int:
    """The UTF-8 bytes of ``message`` (what the bounds count)."""
    return len(message) if message.isascii() else len(message.encode('utf-8'))


def cut_message(message: str) -> str:
    """``message`` cut to MAX_MESSAGE_BYTES of UTF-8 on a character boundary."""
    if len(message) * 4 <= MAX_MESSAGE_BYTES or message_size(message) <= MAX_MESSAGE_BYTES:
        return message
    return message.encode('utf-8')[:MAX_MESSAGE_BYTES].decode('utf-8', 'ignore')


def kept_count(sizes: Sequence[int]) -> int:
    """How many of the newest lines (``sizes`` oldest first) fit the bounds: the others are dropped."""
    kept, total = 0, 0
    for size in reversed(sizes):
        if kept == MAX_LINES or total + size > MAX_BYTES:
            break
        kept += 1
        total += size
    return kept


def fit_lines(lines: List[dict]) -> int:
    """The index of the first of ``lines`` (new lines of one job) that can be kept at all: the ones
    before it would be dropped by the lines after them."""
    return len(lines) - kept_count([message_size(line['message']) for line in lines])


def log_page(job_id: str, lines: List[dict], total: int, dropped: int) -> dict:
    """A ``get_job_log`` answer: a page of ``lines`` (oldest first) of the ``total`` kept."""
    return {'job_id': job_id, 'lines': lines, 'total': total, 'dropped': dropped}
