"""What a caller hands to a Lua call and what it gets back."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union


@dataclass
class LuaRequestContext:
    """The HTTP request a published function serves; Lua reads it with method(), headers(), body(), query().
    A query value may be a list when the parameter repeats (Lua then gets an array)."""
    method: str = 'GET'
    headers: Dict[str, str] = field(default_factory=dict)
    body: Union[str, bytes] = ''
    query: Dict[str, Union[str, List[str]]] = field(default_factory=dict)


@dataclass
class LuaResult:
    """ok: the call returned normally. value: its return value(s) made JSON-able (one value as is, several
    as a list, none as None). output: everything print()ed, even when the call failed. error: the Lua
    error message (or 'timeout', or 'memory limit exceeded (N MB)'). timed_out: stopped by the time limit."""
    ok: bool
    value: Any = None
    output: str = ''
    error: Optional[str] = None
    timed_out: bool = False
    duration_ms: float = 0.0
