"""Routes in bottle's syntax (``/jobs/<job_id>``, ``/task/<id:path>``) matched without a framework.

Static paths are one dict lookup. Patterns are tried most specific first, whatever the order in which
domains registered them: ``:path`` wildcards last, then more literal segments first. So a cron group
named ``task`` reaches ``/v1/<group_name>/job/list`` and is not swallowed by ``/v1/task/<id:path>``."""
import re
from typing import Any, Dict, List, Optional, Tuple

_PARAM = re.compile(r'<([A-Za-z_][A-Za-z0-9_]*)(?::(path))?>')


class Route:
    __slots__ = ('method', 'path', 'handler', 'regex', 'names', 'rank', 'order')

    def __init__(self, method: str, path: str, handler: Any, order: int):
        self.method = method
        self.path = path
        self.handler = handler
        self.order = order
        self.names: List[str] = []
        pattern, pos, greedy = '', 0, False
        for match in _PARAM.finditer(path):
            pattern += re.escape(path[pos:match.start()])
            self.names.append(match.group(1))
            greedy = greedy or match.group(2) == 'path'
            pattern += '(.+)' if match.group(2) == 'path' else '([^/]+)'
            pos = match.end()
        pattern += re.escape(path[pos:])
        self.regex = re.compile(pattern + '$') if self.names else None
        literals = sum(1 for part in path.split('/') if part and '<' not in part)
        self.rank = (greedy, -literals, order)


class Router:

    def __init__(self):
        self._static: Dict[Tuple[str, str], Route] = {}
        self._static_paths: Dict[str, List[str]] = {}
        self._patterns: List[Route] = []
        self._count = 0

    def add(self, method: str, path: str, handler: Any) -> Route:
        method = method.upper()
        route = Route(method, path, handler, self._count)
        self._count += 1
        if route.regex is None:
            self._static.setdefault((method, path), route)
            self._static_paths.setdefault(path, []).append(method)
        else:
            self._patterns.append(route)
            self._patterns.sort(key=lambda r: r.rank)
        return route

    def routes(self) -> List[Route]:
        return sorted(list(self._static.values()) + self._patterns, key=lambda r: r.order)

    def match(self, method: str, path: str) -> Tuple[Optional[Route], Dict[str, str], bool]:
        """(route, path values, path known under another method)."""
        route = self._static.get((method, path)) or self._static.get(('ANY', path))
        if route is not None:
            return route, {}, True
        known = path in self._static_paths
        for route in self._patterns:
            found = route.regex.match(path)
            if found is None:
                continue
            if route.method == method or route.method == 'ANY':
                return route, dict(zip(route.names, found.groups())), True
            known = True
        return None, {}, known

    def allowed(self, path: str) -> List[str]:
        """The methods some route serves ``path`` with (the Allow header of a 405), sorted."""
        methods = set(self._static_paths.get(path, ()))
        methods.update(route.method for route in self._patterns if route.regex.match(path))
        return sorted(methods)
