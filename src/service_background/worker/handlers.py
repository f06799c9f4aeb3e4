"""A worker's handlers: the user's function with its time limit, and loading one from ``module:function``."""
import importlib
import inspect
from typing import Any, Callable, Dict, Iterable, Optional


class Handler:
    """A user's function and how to call it."""

    def __init__(self, fn: Callable, time_limit: Optional[float] = None) -> None:
        if not callable(fn):
            raise TypeError(f'handler {fn!r} is not callable')
        self.fn = fn
        self.time_limit = time_limit if time_limit and time_limit > 0 else None
        call = getattr(fn, '__call__', None)  # noqa: B004 - an object's own __call__, which may be async
        self.is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)


def load_callable(spec: str) -> Callable:
    """``package.module:function`` (or ``module:Class.method``) → the callable."""
    module_name, sep, attr = spec.partition(':')
    if not sep or not module_name or not attr:
        raise ValueError(f'handler {spec!r} must look like package.module:function')
    target: Any = importlib.import_module(module_name)
    for part in attr.split('.'):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f'handler {spec!r} is not callable')
    return target


def parse_specs(values: Iterable[str]) -> Dict[str, str]:
    """``["mail=myapp.mail:send", "sms=myapp.sms:send,push=x:y"]`` → {name: spec}; commas and
    whitespace separate several in one value (for environment variables)."""
    result: Dict[str, str] = {}
    for value in values:
        for item in value.replace(',', ' ').split():
            name, sep, spec = item.partition('=')
            if not sep or not name or not spec:
                raise ValueError(f'{item!r} must look like name=package.module:function')
            result[name] = spec
    return result
