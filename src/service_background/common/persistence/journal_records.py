"""The records of a FileJournal (file_journal.py): one line each, ``#<length hex> <crc32 hex8> <json>\\n``.
The frame proves where a record ends and that it is intact. On load a record that fails its frame is
skipped only when a later record passes its own (then the log says what was skipped, and the bytes are
kept in ``<journal>.skipped``); bad bytes with no good record after them are a torn tail (a write that
was never acknowledged) and are truncated away. Journals written before frames (plain JSON lines) still
load, and are converted by the compaction every open does."""
import json
import os
import re
import zlib
from typing import List, Optional, Tuple

from pip_services3_commons.errors import FileException

_FRAME = re.compile(rb'#([0-9a-f]{1,8}) ([0-9a-f]{8}) ')


class StorageUnavailableException(FileException):
    """503: the journal could not be written (disk full, I/O error). Nothing of the call was kept."""

    def __init__(self, correlation_id: Optional[str] = None, message: str = 'Storage is unavailable'):
        super().__init__(correlation_id, 'STORAGE_UNAVAILABLE', message)
        self.status = 503


def frame(payload: bytes) -> bytes:
    """One journal record: length and CRC-32 of ``payload``, the payload, a newline."""
    return b'#%x %08x ' % (len(payload), zlib.crc32(payload)) + payload + b'\n'


def _parse_framed(line: bytes) -> Optional[dict]:
    match = _FRAME.match(line)
    if match is None:
        return None
    start, length = match.end(), int(match.group(1), 16)
    payload = line[start:start + length]
    if len(payload) != length or line[start + length:] != b'\n' or zlib.crc32(payload) != int(match.group(2), 16):
        return None
    try:
        entry = json.loads(payload)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and 'key' in entry else None


def _parse_legacy(line: bytes) -> Optional[dict]:
    """A record of a journal written before frames: a plain JSON line."""
    if not line.startswith(b'{') or not line.endswith(b'\n'):
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and 'key' in entry else None


def parse_record(line: bytes) -> Tuple[int, Optional[dict]]:
    """``(bad_prefix, entry)``: the record of ``line`` (a line with its newline), or a good frame that
    starts inside it after ``bad_prefix`` torn bytes; ``(len(line), None)`` when there is none."""
    entry = _parse_framed(line) if line.startswith(b'#') else _parse_legacy(line)
    if entry is not None:
        return 0, entry
    position = line.find(b'#', 1)
    while position > 0:
        entry = _parse_framed(line[position:])
        if entry is not None:
            return position, entry
        position = line.find(b'#', position + 1)
    return len(line), None


def keep_skipped(path: str, spans: List[Tuple[int, bytes]], keep_path: str) -> str:
    """Appends the skipped records ``(offset, bytes)`` of journal ``path`` to ``keep_path``; returns what
    the log should say about them."""
    where = ', '.join(f'{len(data)} bytes at offset {offset}' for offset, data in spans[:10])
    try:
        with open(keep_path, 'ab') as f:
            for offset, data in spans:
                f.write(b'%s@%d: ' % (os.path.basename(path).encode(), offset) + data.rstrip(b'\n') + b'\n')
    except OSError:
        pass
    return (f'Journal {path}: skipped {len(spans)} damaged record(s) ({where}); the records after them are '
            f'intact and were replayed. The skipped bytes are kept in {keep_path}')
