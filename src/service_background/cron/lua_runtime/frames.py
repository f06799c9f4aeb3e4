"""The pipe protocol between the service and its Lua processes: frames of a 4-byte big-endian length
and UTF-8 JSON."""
# The service side never blocks (poll with a deadline, a size cap on every frame it reads); the
# sandbox process side reads and writes plainly.
import json
import os
import select
import struct
import time
from typing import Any, Optional

_HEADER = struct.Struct('>I')


class FrameError(Exception):
    """The other side is gone, too slow, or sent more than allowed."""


def encode(message: Any) -> bytes:
    data = json.dumps(message, ensure_ascii=False, separators=(',', ':'), default=str).encode('utf-8',
                                                                                              'surrogatepass')
    return _HEADER.pack(len(data)) + data


class FrameWriter:
    """Writes frames to a non-blocking pipe, waiting at most until a deadline."""

    def __init__(self, fd: int):
        self._fd = fd
        os.set_blocking(fd, False)
        self._poll = select.poll()
        self._poll.register(fd, select.POLLOUT)

    def send(self, message: Any, deadline: float) -> None:
        view = memoryview(encode(message))
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FrameError('the Lua process does not read its requests')
            if not self._poll.poll(min(remaining, 1.0) * 1000):
                continue
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                continue
            except OSError as err:  # EPIPE: the process is gone
                raise FrameError(f'the Lua process is gone ({err})') from None
            view = view[written:]


class FrameReader:
    """Reads frames from a pipe without blocking past a deadline; refuses frames over max_bytes."""

    def __init__(self, fd: int, max_bytes: int):
        self._fd = fd
        self._max_bytes = max_bytes
        self._buffer = bytearray()
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)

    def receive(self, deadline: Optional[float]) -> Any:
        """The next message; None when the deadline passed first. Raises FrameError on EOF or oversize."""
        while True:
            message = self._take()
            if message is not None:
                return message
            timeout_ms = -1 if deadline is None else max(0.0, deadline - time.monotonic()) * 1000
            if deadline is not None and timeout_ms <= 0:
                return None
            if not self._poll.poll(timeout_ms):
                continue
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                raise FrameError('the Lua process ended')
            self._buffer += chunk

    def _take(self) -> Any:
        if len(self._buffer) < _HEADER.size:
            return None
        (length,) = _HEADER.unpack_from(self._buffer)
        if length > self._max_bytes:
            raise FrameError(f'a reply of {length} bytes is over the limit of {self._max_bytes}')
        end = _HEADER.size + length
        if len(self._buffer) < end:
            return None
        data = bytes(self._buffer[_HEADER.size:end])
        del self._buffer[:end]
        try:
            return json.loads(data.decode('utf-8', 'surrogatepass'))
        except ValueError:
            raise FrameError('the Lua process sent a malformed reply') from None


def read_blocking(stream) -> Optional[Any]:
    """The sandbox side: the next message from a binary stream, None at EOF."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (length,) = _HEADER.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        return None
    return json.loads(data.decode('utf-8', 'surrogatepass'))


def write_blocking(stream, message: Any) -> None:
    stream.write(encode(message))
    stream.flush()
