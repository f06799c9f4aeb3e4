"""Dump archives: a tar.gz with one ``<group_name>.json`` per group holding
``{"group": {...}, "jobs": [...], "funcs": []}``."""
# Reading checks the archive's shape, and bounds what it decodes, before the controller checks the
# records; nothing is written until both passed.
import io
import tarfile
import time
import zlib
from typing import List, Optional

from pip_services3_commons.errors import BadRequestException

from service_background.common.concurrency.free_memory import give_back_free_memory
from service_background.common.data.bounded_json import JsonBudget, JsonLimitError
from service_background.common.data.json_util import to_json
from service_background.cron.logic.job_rules import NAME_RULE

# What one import may take, so that it stays within tens of MB whatever the archive holds (docs/cron.md):
MAX_ARCHIVE = 16 * 1024 * 1024      # compressed bytes
MAX_MEMBER = 8 * 1024 * 1024        # one group file
MAX_TOTAL = 16 * 1024 * 1024        # all group files, decoded (JSON text times its character width)
MAX_MEMBERS = 10000                 # group files
MAX_VALUES = 240_000                # JSON values in all (an exported job has about 41)
MAX_DEPTH = 16                      # nesting in a group file (an export nests 4 deep)
MAX_JOBS = 5000                     # jobs in all


def _bad(message: str, limit: Optional[str] = None) -> BadRequestException:
    error = BadRequestException(None, 'BAD_ARCHIVE', message)
    return error.with_details('limit', limit) if limit else error


def build_archive(entries: List[dict]) -> bytes:
    """``entries``: one dict per group, as described above."""
    buffer = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buffer, mode='w:gz') as tar:
        for entry in entries:
            data = to_json(entry).encode('utf-8')
            info = tarfile.TarInfo(entry['group']['group_name'] + '.json')
            info.size = len(data)
            info.mtime = now
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


MAX_HEADER_DATA = 64 * 1024          # a GNU long name/link or PAX header's own data
MAX_INFLATED = MAX_TOTAL + 16 * 1024 * 1024  # everything inflated: tar headers and padding take ~1 KiB a file
BLOCK = 512


class _BoundedGunzip:
    """The gzip stream inflated on demand, never more than ``cap`` bytes in all and never more
    than what the reader asks for (zlib's ``max_length``): a bomb costs O(request), not O(archive),
    and a member's text is inflated straight into its one buffer."""

    def __init__(self, data: bytes, cap: int):
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = memoryview(data)
        self._pos = 0
        self._cap = cap
        self._total = 0

    def read(self, size: int) -> bytearray:
        result, filled = bytearray(size), 0
        while filled < size:
            if self._inflater.unconsumed_tail:
                chunk = self._inflater.decompress(self._inflater.unconsumed_tail, size - filled)
            elif self._pos < len(self._input) and not self._inflater.eof:
                piece = self._input[self._pos:self._pos + 65536]
                self._pos += len(piece)
                chunk = self._inflater.decompress(piece, size - filled)
            else:
                break
            self._total += len(chunk)
            if self._total > self._cap:
                raise _bad(f'the archive inflates to more than {self._cap} bytes', 'inflated_bytes')
            result[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
        if filled < size:
            del result[filled:]
        return result

    def skip(self, size: int):
        while size > 0:
            got = len(self.read(min(size, 65536)))
            if got == 0:
                raise _bad('the archive ends inside a member')
            size -= got


def _octal(field: bytes, what: str) -> int:
    if field and field[0] & 0x80:  # GNU base-256
        if field[0] == 0xff:
            raise _bad(f'negative {what} in a tar header')
        return int.from_bytes(bytes([field[0] & 0x7f]) + field[1:], 'big')
    text = field.split(b'\0', 1)[0].strip()
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise _bad(f'bad {what} in a tar header')


def _tar_members(stream: _BoundedGunzip):
    """(name, content) of each regular file, read header by header: every size, the count of
    files and their total are checked against their caps before any byte of data is read."""
    long_name, pax_path, count, files, total = None, None, 0, 0, 0
    while True:
        header = stream.read(BLOCK)
        if len(header) < BLOCK:
            raise _bad('the archive ends inside a tar header')
        if header == bytes(BLOCK):
            return  # end of archive (the rest is never inflated)
        checksum = _octal(header[148:156], 'checksum')
        unsigned = sum(header[:148]) + 256 + sum(header[156:])
        signed = unsigned - 256 * sum(1 for b in header[:148] + header[156:] if b > 127)
        if checksum not in (unsigned, signed):  # old writers sum signed bytes
            raise _bad('a tar header has a bad checksum')
        count += 1
        if count > MAX_MEMBERS * 3:
            raise _bad(f'the archive has more than {MAX_MEMBERS} members', 'members')
        kind = header[156:157]
        size = _octal(header[124:136], 'size')
        padded = (size + BLOCK - 1) // BLOCK * BLOCK
        if kind in (b'L', b'x', b'g'):  # GNU long name, PAX header: data of their own, small
            if size > MAX_HEADER_DATA:
                raise _bad(f'a tar header record of {size} bytes (over {MAX_HEADER_DATA})')
            data = stream.read(padded)[:size]
            if kind == b'L':
                long_name = data.split(b'\0', 1)[0].decode('utf-8', 'replace')
            elif kind == b'x':
                pax_path = _pax_path(data) or pax_path
            continue
        name = header[:100].split(b'\0', 1)[0].decode('utf-8', 'replace')
        prefix = header[345:500].split(b'\0', 1)[0].decode('utf-8', 'replace') \
            if header[257:262] == b'ustar' else ''
        if prefix:
            name = prefix + '/' + name
        name = pax_path or long_name or name
        long_name = pax_path = None
        if kind not in (b'0', b'\0'):
            raise _bad(f'member {name!r} is not a regular file (links and folders are refused)')
        files, total = files + 1, total + size
        if files > MAX_MEMBERS:
            raise _bad(f'the archive has more than {MAX_MEMBERS} members', 'members')
        if size > MAX_MEMBER:
            raise _bad(f'member {name!r} is over {MAX_MEMBER} bytes', 'member_bytes')
        if total > MAX_TOTAL:
            raise _bad(f'the archive holds more than {MAX_TOTAL} bytes', 'bytes')
        content = stream.read(size)
        if len(content) < size:
            raise _bad('the archive ends inside a member')
        stream.skip(padded - size)
        yield name, content
        del content  # the reader owns it now: one member's text in memory at a time


def _pax_path(data: bytes):
    """The ``path`` record of a PAX header (``<len> path=<value>\\n`` records)."""
    pos = 0
    while pos < len(data):
        space = data.find(b' ', pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise _bad('a malformed PAX header')
        if length <= 0:
            raise _bad('a malformed PAX header')
        record = data[space + 1:pos + length - 1]
        key, _, value = record.partition(b'=')
        if key == b'path':
            return value.decode('utf-8', 'replace')
        if key == b'size':
            raise _bad('PAX size records are not accepted')
        pos += length
    return None


def read_archive(data: bytes) -> List[dict]:
    """The parsed group files, or BadRequest for anything hostile or malformed: not gzip, not tar,
    links, folders, devices, names that are not ``<group>.json`` (so no ``../`` or absolute
    paths), a member or the whole over its cap, a file that is not a JSON object. The gzip stream
    is inflated through a bounded decompressor and tar headers are read by hand, each size checked
    before its data is read; each file's JSON is measured (bytes, values, depth) before it is
    parsed, against limits for the whole archive: memory stays bounded whatever the archive claims
    or holds, and what it freed is given back to the system. An error over a limit names it in
    ``details.limit``."""
    error = None
    try:
        return _read_members(data)
    except BadRequestException as ex:
        error = ex.with_traceback(None)  # its frames hold all that was parsed: let it go now
        error.__context__ = None
    finally:
        give_back_free_memory()
    raise error


def _read_members(data: bytes) -> List[dict]:
    if not data:
        raise _bad('the archive is empty')
    if len(data) > MAX_ARCHIVE:
        raise _bad(f'the archive is over {MAX_ARCHIVE} bytes', 'archive_bytes')
    result, names, jobs = [], set(), 0
    budget = JsonBudget(MAX_TOTAL, MAX_VALUES, MAX_DEPTH)
    try:
        for raw_name, body in _tar_members(_BoundedGunzip(data, MAX_INFLATED)):
            name = raw_name[2:] if raw_name.startswith('./') else raw_name
            if not name.endswith('.json') or not NAME_RULE.fullmatch(name[:-5]):
                raise _bad(f'member {raw_name!r} is not named <group_name>.json')
            if name in names:
                raise _bad(f'member {raw_name!r} appears twice')
            names.add(name)
            try:
                content = budget.loads(body)
            except JsonLimitError as ex:
                raise _bad(f'member {raw_name!r} takes the archive {ex} (the import limit)', ex.limit)
            except ValueError as ex:  # UnicodeDecodeError included
                raise _bad(f'member {raw_name!r} is not valid JSON: {ex}')
            finally:
                del body
            if not isinstance(content, dict) or not isinstance(content.get('group'), dict) \
                    or not isinstance(content.get('jobs', []), list):
                raise _bad(f'member {raw_name!r} must hold {{"group": {{...}}, "jobs": [...]}}')
            if content['group'].get('group_name') != name[:-5]:
                raise _bad(f'member {raw_name!r} holds group {content["group"].get("group_name")!r}')
            jobs += len(content.get('jobs', []))
            if jobs > MAX_JOBS:
                raise _bad(f'the archive holds more than {MAX_JOBS} jobs', 'jobs')
            result.append({key: content[key] for key in ('group', 'jobs', 'funcs') if key in content})
            del content
    except (EOFError, zlib.error, OSError) as ex:
        raise _bad(f'not a readable tar.gz archive: {ex}')
    if not result:
        raise _bad('the archive holds no group')
    return result
