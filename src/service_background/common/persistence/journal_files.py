"""The files of a FileJournal (file_journal.py) on disk: the JSON snapshot, the frozen segments
``<journal>.<seq>`` and the replay of a journal's framed records over the items read so far."""
import glob
import json
import os
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

from pip_services3_commons.errors import FileException

from service_background.common.data.json_util import to_json_bytes
from service_background.common.persistence.journal_records import keep_skipped, parse_record


def json_key(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def segments(journal_path: str) -> List[Tuple[int, str]]:
    """The frozen segments of ``journal_path``, oldest first: (seq, file name)."""
    found = []
    for name in glob.glob(glob.escape(journal_path) + '.*'):
        suffix = name[len(journal_path) + 1:]
        if suffix.isdigit():
            found.append((int(suffix), name))
    return sorted(found)


def read_snapshot(path: str, items: Dict[Hashable, dict]):
    if os.path.exists(path):
        try:
            with open(path, 'r', encoding='utf-8') as f:
                for data in json.load(f):
                    items[json_key(data['key'])] = data['item']
        except (ValueError, KeyError, TypeError) as ex:
            raise FileException(None, 'READ_FAILED', f'Snapshot {path} is unreadable: {ex}')


def replay(path: str, items: dict, report: Dict[str, int], warn: Callable[[str], Any], keep_path: str,
           limit: Optional[int] = None):
    """Applies the records of journal ``path`` to ``items`` (up to byte ``limit`` when given: past it lies
    a tail whose fsync failed). Damaged records followed by good ones are skipped and kept in
    ``keep_path``; a torn tail is truncated away."""
    offset = 0
    bad: List[Tuple[int, bytes]] = []  # bad spans not yet proven to be followed by a good record
    with open(path, 'rb') as f:
        for line in f:
            if limit is not None and offset + len(line) > limit:
                break
            skip, entry = parse_record(line)
            if skip:
                bad.append((offset, line[:skip]))
            if entry is not None:
                if bad:
                    report['skipped_records'] += len(bad)
                    report['skipped_bytes'] += sum(len(data) for _, data in bad)
                    warn(keep_skipped(path, bad, keep_path))
                    bad = []
                key = json_key(entry['key'])
                if 'item' in entry:
                    items[key] = entry['item']
                elif 'set' in entry:  # a patch: some fields of a stored item
                    if isinstance(items.get(key), dict):
                        items[key] = dict(items[key], **entry['set'])
                else:
                    items.pop(key, None)
                report['records'] += 1
            offset += len(line)
    if bad and limit is None:  # nothing good after them: a torn tail, never acknowledged
        start = bad[0][0]
        report['torn_bytes'] += offset - start
        warn(f'Journal {path}: dropped a torn tail of {offset - start} bytes at offset {start}')
        with open(path, 'r+b') as f:
            f.truncate(start)


def write_snapshot(path: str, items: Dict[Hashable, Any], fsync: bool):
    """Every item to ``path`` (a temp file, fsynced, renamed over it)."""
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(b'[')
        chunk: List[bytes] = []
        first = True
        for key, item in items.items():
            chunk.append(to_json_bytes({'key': key, 'item': item.to_compact_json()}))
            if len(chunk) >= 1000:  # small steps: other threads get the GIL between them
                f.write((b'' if first else b',') + b','.join(chunk))
                first, chunk = False, []
        if chunk:
            f.write((b'' if first else b',') + b','.join(chunk))
        f.write(b']')
        f.flush()
        if fsync:
            os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_folder(path)


def drop_segments(journal_path: str, upto_seq: int):
    for seq, name in segments(journal_path):
        if seq <= upto_seq:
            os.remove(name)
    fsync_folder(journal_path)


def fsync_folder(path: str):
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
