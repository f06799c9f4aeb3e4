"""The request being served, as the handlers see it. The endpoint sets it in a context variable for
the request's task; a handler run in the blocking pool gets a copy of that context."""
import contextvars
from typing import Dict, List, Optional
from urllib.parse import parse_qs


class HttpRequest:
    __slots__ = ('method', 'path', 'body', 'params', 'client', '_raw_query', '_raw_headers', '_query', '_headers',
                 '_by_name')

    def __init__(self, method: str, path: str, raw_query: bytes, raw_headers: list, body: bytes,
                 params: Dict[str, str], client: Optional[tuple] = None, raw_by_name: Optional[dict] = None):
        self.method = method
        self.path = path
        self.body = body
        self.params = params
        self.client = client
        self._raw_query = raw_query
        self._raw_headers = raw_headers
        self._query: Optional[Dict[str, List[str]]] = None
        self._headers: Optional[Dict[str, str]] = None
        # the raw headers by (lower-case, as ASGI gives them) name; the endpoint has made this dict already
        self._by_name = raw_by_name if raw_by_name is not None else dict(raw_headers)

    @property
    def query_lists(self) -> Dict[str, List[str]]:
        """Every query value, percent-decoded as UTF-8 (parsed on first use)."""
        if self._query is None:
            raw = self._raw_query.decode('latin-1') if self._raw_query else ''
            self._query = parse_qs(raw, keep_blank_values=True, encoding='utf-8', errors='replace') if raw else {}
        return self._query

    def query(self, name: str) -> Optional[str]:
        values = self.query_lists.get(name)
        return values[0] if values else None

    @property
    def headers(self) -> Dict[str, str]:
        """Headers by lower-case name (a repeated header keeps its last value)."""
        if self._headers is None:
            self._headers = {name.decode('latin-1').lower(): value.decode('latin-1')
                             for name, value in self._raw_headers}
        return self._headers

    def titled_headers(self) -> Dict[str, str]:
        """Headers as ``X-Test``: the server lower-cases names, scripts expect the usual spelling."""
        return {'-'.join(part.capitalize() for part in name.split('-')): value
                for name, value in self.headers.items()}

    def header(self, name: str) -> Optional[str]:
        if self._headers is not None:
            return self._headers.get(name.lower())
        found = self._by_name.get(name.lower().encode('latin-1'))
        return found.decode('latin-1') if found is not None else None

    @property
    def correlation_id(self) -> Optional[str]:
        if self._raw_query:
            value = self.query('correlation_id')
            if value:
                return value
        return self.header('correlation_id') or None


_current: contextvars.ContextVar = contextvars.ContextVar('http_request')


def current_request() -> HttpRequest:
    return _current.get()


def set_current_request(request: HttpRequest) -> contextvars.Token:
    return _current.set(request)


def reset_current_request(token: contextvars.Token) -> None:
    _current.reset(token)
