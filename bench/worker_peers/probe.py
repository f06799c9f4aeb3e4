"""What every no-op handler does and the bench hears: one UDP datagram per handler run to 127.0.0.1:PROBE_PORT,
"<enqueue stamp> <handler start stamp>" (CLOCK_MONOTONIC seconds, shared by all processes on Linux). Stdlib
only: the peers' venvs import it too."""
import os
import socket
import threading
import time

_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
_port = int(os.environ.get('PROBE_PORT') or 0)


def hit(enqueued) -> None:
    """Reports one handler start; ``enqueued`` is the stamp the producer put in the job (0 when none)."""
    _sock.sendto(b'%r %r\n' % (float(enqueued or 0), time.monotonic()), ('127.0.0.1', _port))


def hits(enqueued: list) -> None:
    """Reports many handler starts in one datagram (a batch client runs its batch at once)."""
    now = time.monotonic()
    for start in range(0, len(enqueued), 1000):  # 1000 lines stay below the 64 KB datagram limit
        _sock.sendto(b''.join(b'%r %r\n' % (float(e or 0), now) for e in enqueued[start:start + 1000]),
                     ('127.0.0.1', _port))


class Collector:
    """Receives the datagrams on a thread: counts handler runs, keeps the stamps for the phase."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:  # root may exceed rmem_max: bursts of 30,000 datagrams/s must not be dropped
            self._sock.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
        except OSError:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._chunks, self.count, self._stopped = [], 0, False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name='probe-collector', daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stopped:
            try:
                data = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._chunks.append(data)
                self.count += data.count(b'\n')

    def reset(self):
        with self._lock:
            self._chunks, self.count = [], 0

    def stamps(self) -> list:
        """(enqueued, started) of every handler run since the last reset."""
        with self._lock:
            data = b''.join(self._chunks)
        return [(float(a), float(b)) for a, b in (line.split() for line in data.splitlines() if line)]

    def wait(self, count: int, timeout: float, alive=None) -> bool:
        """True once ``count`` runs were heard; False after ``timeout`` seconds or when ``alive()`` fails."""
        deadline = time.monotonic() + timeout
        while self.count < count:
            if time.monotonic() > deadline or (alive is not None and not alive()):
                return False
            time.sleep(0.002)
        return True

    def close(self):
        self._stopped = True
        self._thread.join(1)
        self._sock.close()
