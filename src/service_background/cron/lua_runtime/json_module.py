"""The `json` module Lua code gets from require("json"): encode/decode return (value) or (nil, err),
like gopher-json in the Go original, so `local s, err = json.encode(t)` works."""
# Each encode/decode is held to the call's ConversionBudget, and decode to a text size.
import json
from typing import Any, Callable, Tuple

import lupa.lua54 as lua54

from service_background.cron.lua_runtime.convert import ConversionBudget, ConversionError, from_lua, to_lua


def make_json_functions(lua: lua54.LuaRuntime, budget: ConversionBudget,
                        max_text_bytes: int) -> Tuple[Callable, Callable]:
    """(encode, decode) Python callbacks for the sandbox prelude. They never raise: a Python exception
    would reach Lua as a Python object."""

    def encode(value: Any = None) -> Tuple[Any, Any]:
        try:
            plain = from_lua(value, strict=True, budget=budget.fresh())
            text = json.dumps(plain, ensure_ascii=False, separators=(',', ':'), allow_nan=False)
            return text.encode('utf-8'), None
        except (ConversionError, ValueError, TypeError, RecursionError, MemoryError) as err:
            return None, f'json.encode: {str(err) or type(err).__name__}'.encode('utf-8')
        except Exception as err:  # lupa's own errors (e.g. memory) must not escape either
            return None, f'json.encode: {type(err).__name__}: {err}'.encode('utf-8')

    def decode(text: Any = None) -> Tuple[Any, Any]:
        if not isinstance(text, bytes):
            return None, b'json.decode: a string is expected'
        if len(text) > max_text_bytes:
            return None, f'json.decode: text longer than {max_text_bytes} bytes'.encode()
        try:
            return to_lua(lua, json.loads(text.decode('utf-8')), budget=budget.fresh()), None
        except (ConversionError, ValueError, RecursionError, MemoryError) as err:
            return None, f'json.decode: {str(err) or type(err).__name__}'.encode('utf-8')
        except Exception as err:
            return None, f'json.decode: {type(err).__name__}: {err}'.encode('utf-8')

    return encode, decode
