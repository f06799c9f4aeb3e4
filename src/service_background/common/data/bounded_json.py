"""JSON parsing bounded by what it decodes: bytes, values and nesting are counted on the text at C
speed before ``json.loads`` builds anything, so hostile input is refused without being built."""
import json
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

# a JSON string token, escapes included, replaced by "" so that brackets and commas inside strings do not
# count; one left open runs to the end of the text (possessive, so a scan never restarts: linear time)
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_ASTRAL_ESCAPE = re.compile(rb'\\u[dD][89abAB]')  # a high surrogate: the string is stored 4 bytes a character
_ASTRAL_BYTE = re.compile(rb'[\xf0-\xf7]')     # the lead byte of a 4-byte UTF-8 character
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b'[]{}')
_STEP = [0] * 256
_STEP[ord('[')] = _STEP[ord('{')] = 1
_STEP[ord(']')] = _STEP[ord('}')] = -1


def char_width(text: bytes) -> int:
    """The most bytes a character of the strings decoded from ``text`` can take in memory: Python
    keeps a whole string at the width of its widest character (1, 2 or 4 bytes)."""
    if _ASTRAL_ESCAPE.search(text) or (not text.isascii() and _ASTRAL_BYTE.search(text)):
        return 4
    return 2 if not text.isascii() or b'\\u' in text else 1


class JsonLimitError(ValueError):
    """A document over one of the limits; ``limit`` names it (bytes, values, depth)."""

    def __init__(self, limit: str, message: str):
        super().__init__(message)
        self.limit = limit


@dataclass
class JsonBudget:
    """What the documents parsed through it may decode, in all: ``max_bytes`` of decoded text (the
    JSON text times its ``char_width``) and ``max_values`` values (counted from above: commas +
    colons + containers + 1 per document); ``max_depth`` is the nesting allowed in each document."""
    max_bytes: int
    max_values: int
    max_depth: int
    used_bytes: int = 0
    used_values: int = 0

    def loads(self, text: bytes) -> Any:
        """``text`` parsed, or JsonLimitError before anything is built when it would go over the
        budget; ValueError (or UnicodeDecodeError) for text that is not JSON."""
        decoded = len(text) * char_width(text)
        if self.used_bytes + decoded > self.max_bytes:
            raise JsonLimitError('bytes', f'over {self.max_bytes} bytes of decoded JSON')
        skeleton = _STRING.sub(b'""', text)
        containers = skeleton.count(b'[') + skeleton.count(b'{')
        values = skeleton.count(b',') + skeleton.count(b':') + containers + 1
        if self.used_values + values > self.max_values:
            raise JsonLimitError('values', f'over {self.max_values} JSON values')
        brackets = skeleton.translate(None, _NOT_BRACKETS)
        del skeleton
        if containers > self.max_depth and max(accumulate(_STEP[b] for b in brackets)) > self.max_depth:
            raise JsonLimitError('depth', f'nested deeper than {self.max_depth}')
        del brackets
        self.used_bytes += decoded
        self.used_values += values
        try:
            return json.loads(text)
        except RecursionError:  # cannot happen below max_depth; kept so nothing escapes as a 500
            raise JsonLimitError('depth', f'nested deeper than {self.max_depth}')
