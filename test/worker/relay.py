"""A loopback TCP relay for tests: stands between a client and a server, counts connections, can cut
them (a server closing idle keep-alive connections) or hold what the client sends (a stalled network)."""
import socket
import threading
import time


class Relay:
    """A loopback TCP relay in front of a server: counts the connections it accepts and can cut them
    all (as a server closing its idle keep-alive connections does)."""

    def __init__(self, target_port: int):
        self._target = target_port
        self.paused = False  # while set, nothing from the clients reaches the server (it waits here)
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.port = self._listener.getsockname()[1]
        self.accepted = 0
        self._sockets = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(('127.0.0.1', self._target))
            with self._lock:
                self.accepted += 1
                self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source, sink, upstream: bool):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.paused and upstream:
                    time.sleep(0.01)
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self._listener.close()
        self.cut()
