"""The `json` module Lua code gets from require("json"): encode/decode return (value) or (nil, err), like
gopher-json in the Go original, so `local s, err = json.encode(t)` works."""
import json
from typing import Any, Callable, Tuple

import lupa.lua54 as lua54

from .convert import ConversionError, from_lua, to_lua


def make_json_functions(lua: lua54.LuaRuntime) -> Tuple[Callable, Callable]:
    """(encode, decode) Python callbacks for the sandbox prelude. They never raise: a Python exception
    would reach Lua as a Python object."""

    def encode(value: Any = None) -> Tuple[Any, Any]:
        try:
            text = json.dumps(from_lua(value, strict=True), ensure_ascii=False, separators=(',', ':'),
                              allow_nan=False)
            return text.encode('utf-8'), None
        except (ConversionError, ValueError, TypeError, RecursionError) as err:
            return None, f'json.encode: {err}'.encode('utf-8')
        except Exception as err:  # lupa's own errors (e.g. memory) must not escape either
            return None, f'json.encode: {type(err).__name__}: {err}'.encode('utf-8')

    def decode(text: Any = None) -> Tuple[Any, Any]:
        if not isinstance(text, bytes):
            return None, b'json.decode: a string is expected'
        try:
            return to_lua(lua, json.loads(text.decode('utf-8'))), None
        except (ConversionError, ValueError, RecursionError) as err:
            return None, f'json.decode: {err}'.encode('utf-8')
        except Exception as err:
            return None, f'json.decode: {type(err).__name__}: {err}'.encode('utf-8')

    return encode, decode
