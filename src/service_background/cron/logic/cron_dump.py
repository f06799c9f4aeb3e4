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


def read_archive(data: bytes) -> List[dict]:
    """The parsed group files, or BadRequest for anything hostile or malformed: not gzip, not tar,
    links, folders, devices, names that are not ``<group>.json`` (so no ``../`` or absolute
    paths), a member or the whole over its cap, a file that is not a JSON object."""
    if not data:
        raise _bad('the archive is empty')
    if len(data) > MAX_ARCHIVE:
        raise _bad(f'the archive is over {MAX_ARCHIVE} bytes')
    result, names, total = [], set(), 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
            for count, member in enumerate(tar, 1):
                if count > MAX_MEMBERS:
                    raise _bad(f'the archive has more than {MAX_MEMBERS} members')
                name = member.name[2:] if member.name.startswith('./') else member.name
                if not member.isfile():
                    raise _bad(f'member {member.name!r} is not a regular file (links and folders are refused)')
                if not name.endswith('.json') or not NAME_RULE.fullmatch(name[:-5]):
                    raise _bad(f'member {member.name!r} is not named <group_name>.json')
                if name in names:
                    raise _bad(f'member {member.name!r} appears twice')
                names.add(name)
                if member.size > MAX_MEMBER:
                    raise _bad(f'member {member.name!r} is over {MAX_MEMBER} bytes')
                total += member.size
                if total > MAX_TOTAL:
                    raise _bad(f'the archive holds more than {MAX_TOTAL} bytes')
                try:
                    content = json.loads(tar.extractfile(member).read())
                except (ValueError, UnicodeDecodeError) as ex:
                    raise _bad(f'member {member.name!r} is not valid JSON: {ex}')
                if not isinstance(content, dict) or not isinstance(content.get('group'), dict) \
                        or not isinstance(content.get('jobs', []), list):
                    raise _bad(f'member {member.name!r} must hold {{"group": {{...}}, "jobs": [...]}}')
                if content['group'].get('group_name') != name[:-5]:
                    raise _bad(f'member {member.name!r} holds group {content["group"].get("group_name")!r}')
                result.append(content)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as ex:
        raise _bad(f'not a readable tar.gz archive: {ex}')
    if not result:
        raise _bad('the archive holds no group')
    return result
