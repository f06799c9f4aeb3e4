"""Lingering close, as nginx's lingering_close: after a reply that ends the connection the endpoint shuts its
sending side and reads and discards what the client still sends, bounded in bytes and seconds, then closes.

Why: a close with unread bytes in the kernel's receive buffer sends RST, and the RST discards the reply the
client has not read yet. A client that sends its whole body before it reads (Python's urllib, Java's
HttpURLConnection) then saw "connection reset" instead of the 413 it was answered."""
from typing import Optional


class LingerPolicy:
    """One endpoint's bounds on lingering connections, and how many linger now: past ``max_connections``
    a connection closes at once (as before), so a flood of refused uploads holds no more sockets."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, seconds: float = 10.0, idle: float = 2.0,
                 max_connections: int = 256):
        self.max_bytes = max(0, int(max_bytes))
        self.seconds = max(0.0, float(seconds))
        self.idle = max(0.01, float(idle))
        self.max_connections = max(0, int(max_connections))
        self.active = 0

    def start(self, transport, loop) -> Optional['Lingering']:
        """Lingers on ``transport`` after the reply written to it; None when it was closed at once instead."""
        if self.active >= self.max_connections or self.max_bytes == 0 or self.seconds == 0:
            transport.close()
            return None
        try:
            transport.write_eof()  # sent once the reply is flushed: the client reads its end, then FIN
        except (OSError, RuntimeError, NotImplementedError):
            transport.close()
            return None
        self.active += 1
        lingering = Lingering(self, transport, loop)
        transport.resume_reading()  # the body may have paused reading (flow control)
        return lingering


class Lingering:
    """One connection between its reply and its close: ``discard`` counts what arrives (and drops it);
    the connection closes at the client's EOF (the protocol's eof_received), past the byte bound, at the
    deadline, or after ``idle`` seconds with nothing received."""
    __slots__ = ('_policy', '_transport', '_loop', '_left', '_deadline', '_last', '_timer')

    def __init__(self, policy: LingerPolicy, transport, loop):
        self._policy, self._transport, self._loop = policy, transport, loop
        self._left = policy.max_bytes
        self._last = loop.time()
        self._deadline = self._last + policy.seconds
        self._timer = loop.call_later(min(policy.idle, policy.seconds), self._check)

    def discard(self, size: int) -> None:
        self._left -= size
        self._last = self._loop.time()
        if self._left <= 0:
            self._close()

    def _check(self):
        self._timer = None
        ends = min(self._deadline, self._last + self._policy.idle)
        left = ends - self._loop.time()
        if left <= 0:
            self._close()
        else:
            self._timer = self._loop.call_later(left, self._check)

    def _close(self):
        if not self._transport.is_closing():
            self._transport.close()

    def abort(self) -> None:
        """Closes now (the server is stopping)."""
        self._close()

    def end(self) -> None:
        """The connection is gone: its timer and its place among the lingering ones are given back."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._policy is not None:
            self._policy.active -= 1
            self._policy = None
