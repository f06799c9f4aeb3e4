"""uvicorn's request/response cycle with one write per response.

uvicorn writes the head on ``http.response.start`` and the body on ``http.response.body``, and uvloop
sends each at once: every reply cost two send() calls, two TCP segments and two wake-ups of the client.
This cycle holds the head until its body comes. A reply whose start carries ``PLAIN`` (its headers as
wire text, only ones the endpoint makes itself: no caller-made values to check, a whole body with its
content-length) is written in one join; anything else goes through uvicorn's own send (its checks
included), gathered into one write.

The cycle also offers the app two server extensions (``scope['extensions']``, set by
LimitedHttpToolsProtocol): ``WHOLE_RESPONSE``, ``write_whole(status, head_text, body)``, writes such a reply
in one call, no ASGI messages awaited on the way (False when the reply must go the ASGI way instead);
``ON_DISCONNECT``, ``on_disconnect(task)``, has the protocol cancel ``task`` when the client hangs up before
the reply (a long-poll is cancelled by it instead of by a task of its own watching ``receive``: a waiter
holds one task, not three, and a quarter fewer objects for the garbage collector to walk).

A reply that ends the connection closes it through the protocol's closer (``close_with``): its lingering
close, so a client still sending the body reads the reply (http_linger.py)."""
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

PLAIN = 'service_background.plain'  # a key of our http.response.start messages (other servers ignore it)
WHOLE_RESPONSE = 'service_background.whole_response'  # the scope extension: write_whole
ON_DISCONNECT = 'service_background.on_disconnect'  # the scope extension: on_disconnect
_STATUS_LINES = {s.value: b'HTTP/1.1 %d %s\r\n' % (s.value, s.phrase.encode('latin-1')) for s in HTTPStatus}
_defaults = (None, b'')  # uvicorn's default headers (a new list each second: the date) and their text


def whole_response(status: int, default_headers: list, headers: bytes, body: bytes) -> bytes:
    """A reply as one piece of wire text: status line, the server's headers (date), ``headers``, body."""
    global _defaults
    defaults = _defaults
    if defaults[0] is not default_headers:
        defaults = _defaults = (default_headers, b''.join(b'%s: %s\r\n' % h for h in default_headers))
    return b''.join((_STATUS_LINES.get(status) or b'HTTP/1.1 %d \r\n' % status, defaults[1], headers, b'\r\n', body))


class _NoEvent:
    """The message event of a PendingReply: nothing awaits it."""
    __slots__ = ()

    @staticmethod
    def set() -> None:
        pass


class PendingReply:
    """Stands as the connection's cycle while the reply to an inline request waits for its fsync: the
    requests behind it are queued as uvicorn queues pipelined ones (its ``on_headers_complete`` sees a
    response in progress) and answered after it, in order. ``deferred`` is the app's DeferredReply."""
    __slots__ = ('deferred', 'response_complete', 'more_body', 'disconnected', 'keep_alive', 'message_event')

    def __init__(self, deferred):
        self.deferred = deferred
        self.response_complete = self.more_body = self.disconnected = False
        self.keep_alive = True  # the server's shutdown clears it: the connection closes after the reply
        self.message_event = _NoEvent


class _Gathered:
    """What uvicorn's send writes while it sends one response: written together at the end."""
    __slots__ = ('parts', 'closing')

    def __init__(self):
        self.parts = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def close(self) -> None:
        self.closing = True


class OneWriteCycle(RequestResponseCycle):
    _head = None
    watcher = None  # the task on_disconnect named
    hung_up = False  # the protocol cancelled it
    _closer = None  # the protocol's close after a reply (close_with); None: the transport's close

    def close_with(self, closer) -> None:
        """``closer()`` ends the connection after a reply that closes it, instead of ``transport.close``."""
        self._closer = closer

    def abandon(self) -> None:
        """The connection answers nothing more (it lingers, then closes): the body read so far is dropped and
        an unfinished request sees the hang-up now, as it would at connection_lost."""
        self.body = bytearray()
        self.waiting_for_100_continue = False
        if not self.response_complete:
            self.disconnected = True
            self.hang_up()
        self.message_event.set()

    def on_disconnect(self, task) -> bool:
        """``task`` is cancelled if the client hangs up before the reply is complete; False, and no
        cancel, when it already has. ``on_disconnect(None)`` ends that and says whether it hung up."""
        if task is None:
            self.watcher = None
            return self.hung_up
        if self.disconnected:
            return False
        self.watcher = task
        return True

    def hang_up(self):
        """The client went away (the protocol's connection_lost)."""
        task = self.watcher
        if task is not None and self.disconnected:
            self.watcher = None
            self.hung_up = True
            task.cancel()

    async def send(self, message) -> None:
        head = self._head
        if head is None:
            if message['type'] == 'http.response.start' and not self.response_started:
                self._head = message  # an app failing before its body still gets uvicorn's 500: nothing was sent
                return
            return await RequestResponseCycle.send(self, message)
        self._head = None
        if head.get(PLAIN) and message['type'] == 'http.response.body' and not message.get('more_body') \
                and self._plain_allowed():
            if not self.disconnected:
                self._write_plain(head['status'], head[PLAIN], message.get('body', b''))
            return
        await self._send_gathered(head, message)

    def write_whole(self, status: int, head_text: bytes, body: bytes) -> bool:
        """The endpoint's own reply (head_text: its header lines) written now; False when it must be sent
        as ASGI messages (a response begun, HEAD, a close to announce, writes paused, an access log)."""
        if self.disconnected:
            return True  # as uvicorn's send: nothing to write to
        if self.response_started or self._head is not None or not self._plain_allowed():
            return False
        self._write_plain(status, head_text, body)
        return True

    def _plain_allowed(self) -> bool:
        """Whether this response may skip uvicorn's send: not when it must announce a close, wait for the
        writes to drain, log the request, or drop the body of a HEAD."""
        return self.keep_alive and not self.flow.write_paused and not self.access_log \
            and self.scope['method'] != 'HEAD'

    def _write_plain(self, status: int, headers: bytes, body: bytes):
        self.response_started = self.response_complete = True
        self.waiting_for_100_continue = False
        self.transport.write(whole_response(status, self.default_headers, headers, body))
        self.message_event.set()
        self.on_response()

    async def _send_gathered(self, head, message):
        transport, gathered = self.transport, _Gathered()
        self.transport = gathered
        try:
            await RequestResponseCycle.send(self, head)
            await RequestResponseCycle.send(self, message)
        finally:
            self.transport = transport
            parts = gathered.parts
            if len(parts) == 2 and len(parts[1]) < 65536:
                transport.write(parts[0] + parts[1])  # one send() for head and body
            elif parts:
                transport.writelines(parts)  # one writev(), no copy of a large body
            if gathered.closing:
                (self._closer or transport.close)()
