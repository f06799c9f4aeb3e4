"""Values between Python and the sandbox: every string crosses as bytes, so no Python object ever
reaches Lua (lupa would otherwise wrap a str or a dict as a Python object)."""
# The runtime has no encoding. Each conversion is held to a ConversionBudget (values and the call's
# deadline): a shared sub-table is walked once per reference, so without it a small DAG expands into
# gigabytes.
import math
import time
from typing import Any, Callable, Optional

import lupa.lua54 as lua54

MAX_DEPTH = 200
_INT64 = 2 ** 63


DEFAULT_MAX_ITEMS = 1_000_000
_CLOCK_EVERY = 4096  # values between two looks at the deadline


class ConversionError(ValueError):
    pass


class ConversionBudget:
    """How many values one conversion may produce, and until when (expired() is the call's deadline)."""

    __slots__ = ('max_items', 'items', '_expired')

    def __init__(self, max_items: int = DEFAULT_MAX_ITEMS, expired: Optional[Callable[[], bool]] = None):
        self.max_items = max_items
        self.items = 0
        self._expired = expired

    def spend(self) -> None:
        self.items += 1
        if self.items > self.max_items:
            raise ConversionError(f'too many values (more than {self.max_items})')
        if self.items % _CLOCK_EVERY == 0 and self._expired is not None and self._expired():
            raise ConversionError('timeout')

    def fresh(self) -> 'ConversionBudget':
        """The same limits for another conversion."""
        return ConversionBudget(self.max_items, self._expired)


def deadline_budget(max_items: int, deadline: float) -> ConversionBudget:
    return ConversionBudget(max_items, lambda: time.monotonic() >= deadline)


def to_lua(lua: lua54.LuaRuntime, value: Any, depth: int = 0, budget: Optional[ConversionBudget] = None) -> Any:
    """Python/JSON value -> Lua value (None -> nil, dict/list -> table, str -> bytes)."""
    if depth > MAX_DEPTH:
        raise ConversionError('nesting too deep')
    if budget is None:
        budget = ConversionBudget()
    budget.spend()
    if value is None or isinstance(value, (bool, bytes)):
        return value
    if isinstance(value, str):
        return value.encode('utf-8', 'surrogatepass')
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else float(value)
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        table = lua.table()
        for key, item in value.items():
            if item is not None:
                table[to_lua(lua, key if isinstance(key, (str, bytes)) else str(key), depth + 1, budget)] = \
                    to_lua(lua, item, depth + 1, budget)
        return table
    if isinstance(value, (list, tuple)):
        table = lua.table()
        for index, item in enumerate(value, 1):
            if item is not None:
                table[index] = to_lua(lua, item, depth + 1, budget)
        return table
    # Anything else (datetime, objects) goes as its text: never as a Python object.
    return str(value).encode('utf-8')


def from_lua(value: Any, strict: bool = False, depth: int = 0, budget: Optional[ConversionBudget] = None) -> Any:
    """Lua value -> JSON-able Python value. strict (json.encode) raises ConversionError where the lenient
    mode (return values) substitutes: invalid UTF-8, NaN, mixed keys, functions."""
    if depth > MAX_DEPTH:
        raise ConversionError('nesting too deep (or a cycle)')
    if budget is None:
        budget = ConversionBudget()
    budget.spend()
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            if strict:
                raise ConversionError('cannot encode NaN or infinity')
            return None
        # Lua 5.4 keeps 10/2 a float; JSON readers expect 5, not 5.0.
        return int(value) if value.is_integer() and abs(value) < 2 ** 53 else value
    if isinstance(value, bytes):
        return _text(value, strict)
    if isinstance(value, str):
        return value
    if lua54.lua_type(value) == 'table':
        return _table(value, strict, depth, budget)
    if strict:
        raise ConversionError(f'cannot encode a {lua54.lua_type(value) or "foreign"} value')
    return f'<{lua54.lua_type(value) or "foreign"}>'


def _text(value: bytes, strict: bool) -> str:
    try:
        return value.decode('utf-8')
    except UnicodeDecodeError:
        if strict:
            raise ConversionError('string is not valid UTF-8') from None
        return value.decode('utf-8', 'replace')


def _table(table: Any, strict: bool, depth: int, budget: ConversionBudget) -> Any:
    items = []
    for pair in table.items():  # counted as they come: a huge table fails before it is all copied
        budget.spend()
        items.append(pair)
    # An empty table is an array, as gopher-json (the Go original's library) encodes it.
    if all(isinstance(key, int) and not isinstance(key, bool) for key, _ in items):
        keys = sorted(key for key, _ in items)
        if keys == list(range(1, len(keys) + 1)):
            by_key = dict(items)
            return [from_lua(by_key[key], strict, depth + 1, budget) for key in keys]
        if strict:
            raise ConversionError('cannot encode a sparse array')
    elif strict and not all(isinstance(key, bytes) for key, _ in items):
        raise ConversionError('cannot encode a table with mixed or non-string keys')
    result = {}
    for key, item in items:
        name = _text(key, strict) if isinstance(key, bytes) else str(from_lua(key, False, depth + 1, budget))
        result[name] = from_lua(item, strict, depth + 1, budget)
    return result
