"""Dump archives: a tar.gz with one ``<group_name>.json`` per group holding
``{"group": {...}, "jobs": [...], "funcs": []}``. Reading checks the archive's shape before the
controller checks the records; nothing is written until both passed."""
import io
import json
import tarfile
import time
import zlib
from typing import List

from pip_services3_commons.errors import BadRequestException

from ...common.json_util import to_json
from .job_rules import NAME_RULE

MAX_ARCHIVE = 16 * 1024 * 1024      # compressed bytes
MAX_MEMBER = 8 * 1024 * 1024        # one group file
MAX_TOTAL = 64 * 1024 * 1024        # all group files, uncompressed
MAX_MEMBERS = 10000


def _bad(message: str) -> BadRequestException:
    return BadRequestException(None, 'BAD_ARCHIVE', message)


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
MAX_INFLATED = MAX_TOTAL + 8 * 1024 * 1024   # everything inflated, headers and padding included
BLOCK = 512


class _BoundedGunzip:
    """The gzip stream inflated on demand, never more than ``cap`` bytes in all and never more
    than what the reader asks for at once (``max_length``): a bomb costs O(request), not O(archive)."""

    def __init__(self, data: bytes, cap: int):
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._input = memoryview(data)
        self._pos = 0
        self._buffer = bytearray()
        self._cap = cap
        self._total = 0

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            if self._inflater.unconsumed_tail:
                chunk = self._inflater.decompress(self._inflater.unconsumed_tail, max(size, 65536))
            elif self._pos < len(self._input) and not self._inflater.eof:
                piece = self._input[self._pos:self._pos + 65536]
                self._pos += len(piece)
                chunk = self._inflater.decompress(piece, max(size, 65536))
            else:
                break
            self._total += len(chunk)
            if self._total > self._cap:
                raise _bad(f'the archive inflates to more than {self._cap} bytes')
            self._buffer += chunk
        result = bytes(self._buffer[:size])
        del self._buffer[:size]
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
    """(name, content) of each regular file, read header by header: every size is checked against
    its cap before any byte of its data (file body, long name, PAX record) is read."""
    long_name, pax_path, count = None, None, 0
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
            raise _bad(f'the archive has more than {MAX_MEMBERS} members')
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
        if size > MAX_MEMBER:
            raise _bad(f'member {name!r} is over {MAX_MEMBER} bytes')
        content = stream.read(size)
        if len(content) < size:
            raise _bad('the archive ends inside a member')
        stream.skip(padded - size)
        yield name, size, content


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
    before its data is read: memory stays O(MAX_MEMBER) whatever the archive claims."""
    if not data:
        raise _bad('the archive is empty')
    if len(data) > MAX_ARCHIVE:
        raise _bad(f'the archive is over {MAX_ARCHIVE} bytes')
    result, names, total = [], set(), 0
    try:
        for count, (raw_name, size, body) in enumerate(_tar_members(_BoundedGunzip(data, MAX_INFLATED)), 1):
            if count > MAX_MEMBERS:
                raise _bad(f'the archive has more than {MAX_MEMBERS} members')
            name = raw_name[2:] if raw_name.startswith('./') else raw_name
            if not name.endswith('.json') or not NAME_RULE.fullmatch(name[:-5]):
                raise _bad(f'member {raw_name!r} is not named <group_name>.json')
            if name in names:
                raise _bad(f'member {raw_name!r} appears twice')
            names.add(name)
            total += size
            if total > MAX_TOTAL:
                raise _bad(f'the archive holds more than {MAX_TOTAL} bytes')
            try:
                content = json.loads(body)
            except (ValueError, UnicodeDecodeError) as ex:
                raise _bad(f'member {raw_name!r} is not valid JSON: {ex}')
            if not isinstance(content, dict) or not isinstance(content.get('group'), dict) \
                    or not isinstance(content.get('jobs', []), list):
                raise _bad(f'member {raw_name!r} must hold {{"group": {{...}}, "jobs": [...]}}')
            if content['group'].get('group_name') != name[:-5]:
                raise _bad(f'member {raw_name!r} holds group {content["group"].get("group_name")!r}')
            result.append(content)
    except (EOFError, zlib.error, OSError) as ex:
        raise _bad(f'not a readable tar.gz archive: {ex}')
    if not result:
        raise _bad('the archive holds no group')
    return result
