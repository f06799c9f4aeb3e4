"""A real local HTTP server that records the callbacks it receives (and can fail or stall first, or fail
while told to)."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CallbackReceiver:

    def __init__(self, fail_first: int = 0, delay: float = 0.0):
        self.received = []
        self.attempts = []
        self._fail_first = fail_first
        self._failing = False
        self._delay = delay
        self._event = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                time.sleep(receiver._delay)
                with receiver._event:
                    receiver.attempts.append(time.monotonic())
                    failing = receiver._failing or len(receiver.attempts) <= receiver._fail_first
                    if not failing:
                        receiver.received.append(json.loads(body))
                    receiver._event.notify_all()
                self.send_response(500 if failing else 200)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self._server.server_address[1]}/hook'
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def set_failing(self, failing: bool):
        """Answers 500 to every callback from now on (True), or as constructed (False)."""
        with self._event:
            self._failing = failing

    def wait_attempts(self, count: int, timeout: float = 10.0) -> int:
        """Waits for ``count`` POSTs, answered or failed; returns how many came."""
        with self._event:
            self._event.wait_for(lambda: len(self.attempts) >= count, timeout)
            return len(self.attempts)

    def wait(self, count: int, timeout: float = 10.0) -> list:
        with self._event:
            self._event.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def close(self):
        self._server.shutdown()
        self._server.server_close()
