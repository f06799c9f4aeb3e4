"""A real local HTTP target for cron jobs: records every call; ``/slow/<s>`` answers after s
seconds, ``/status/<code>`` answers with that status."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional
from urllib.parse import parse_qs, urlsplit


class Call:

    def __init__(self, path: str, query: dict, at: float, body: bytes = b'', headers: Optional[dict] = None):
        self.body = body
        self.headers = headers or {}
        self.path = path
        self.query = query
        self.at = at


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a tick of many cron jobs calls at once; the default backlog (5) drops some


class TargetServer:

    def __init__(self):
        self.calls: List[Call] = []
        self._lock = threading.Lock()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get('Content-Length') or 0)
                target._record(Call(parts.path, query, time.time(), self.rfile.read(length) if length else b'',
                                    dict(self.headers.items())))
                status = 200
                if parts.path.startswith('/slow/'):
                    time.sleep(float(parts.path.split('/')[2]))
                elif parts.path.startswith('/status/'):
                    status = int(parts.path.split('/')[2])
                body = b'pong'
                self.send_response(status)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the caller gave up (timeout test)

            do_POST = do_GET  # the reply hook posts

            def log_message(self, *args):
                pass

        self._server = _Server(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self.url = f'http://127.0.0.1:{self._server.server_address[1]}'
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, call: Call):
        with self._lock:
            self.calls.append(call)

    def calls_to(self, path: str, **query) -> List[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path and all(c.query.get(k) == v for k, v in query.items())]

    def wait_for(self, path: str, count: int, timeout: float = 10.0, **query) -> List[Call]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            calls = self.calls_to(path, **query)
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        return self.calls_to(path, **query)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *args):
        self._server.shutdown()
        self._server.server_close()
