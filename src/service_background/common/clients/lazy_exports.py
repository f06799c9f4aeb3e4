"""Package exports that load on first use (PEP 562), so importing one HTTP client never loads its siblings.

A worker or producer needs only the HTTP clients; the direct clients bring the server-side pip-services stack,
which costs a worker's start-up hundreds of milliseconds for nothing.
"""
import importlib
from typing import Callable, Dict, List, Tuple


def lazy_exports(package: str, modules: Dict[str, str]) -> Tuple[Callable, Callable, List[str]]:
    """(__getattr__, __dir__, __all__) for `package`, whose names live in the given submodules: {name: module}."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str):
        module = modules.get(name)
        if module is None:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        value = getattr(importlib.import_module(f'{package}.{module}'), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(modules))
    return __getattr__, __dir__, list(modules)
