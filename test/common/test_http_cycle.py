"""OneWriteCycle: every response leaves in one transport write; the endpoint's own replies skip uvicorn's
header walk, anything else still goes through it (its header checks included). A recording transport
stands in for the socket here; the suite's HTTP tests run the cycle on real connections."""
import asyncio
import logging

import pytest
from uvicorn.protocols.http.flow_control import FlowControl

from service_background.common.http.cycle import PLAIN, OneWriteCycle


class _Transport:
    def __init__(self):
        self.writes, self.closed = [], False

    def write(self, data):
        self.writes.append(bytes(data))

    def writelines(self, parts):
        self.writes.append(b''.join(parts))

    def close(self):
        self.closed = True

    def is_closing(self):
        return self.closed

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


def _cycle(method='POST', keep_alive=True):
    transport, done = _Transport(), []
    cycle = OneWriteCycle(scope={'method': method}, transport=transport, flow=FlowControl(transport),
                          logger=logging.getLogger('test'), access_logger=logging.getLogger('test.access'),
                          access_log=False, default_headers=[(b'date', b'Mon, 23 Nov 2026 10:00:00 GMT')],
                          message_event=asyncio.Event(), expect_100_continue=False, keep_alive=keep_alive,
                          on_response=lambda: done.append(True))
    return cycle, transport, done


def _send(cycle, start, body):
    async def run():
        await cycle.send(start)
        await cycle.send({'type': 'http.response.body', 'body': body})
    asyncio.run(run())


def _head(headers, plain, status=200):
    start = {'type': 'http.response.start', 'status': status, 'headers': headers}
    if plain:  # as HttpEndpoint's app marks its own: the headers' wire text
        start[PLAIN] = b''.join(b'%s: %s\r\n' % header for header in headers)
    return start


HEADERS = [(b'cache-control', b'no-cache'), (b'content-length', b'7'), (b'content-type', b'application/json')]


@pytest.mark.parametrize('plain', [True, False])
def test_head_and_body_leave_in_one_write_either_way(plain):
    cycle, transport, done = _cycle()
    _send(cycle, _head(HEADERS, plain), b'{"a":1}')
    assert transport.writes == [b'HTTP/1.1 200 OK\r\ndate: Mon, 23 Nov 2026 10:00:00 GMT\r\ncache-control: no-cache\r\n'
                                b'content-length: 7\r\ncontent-type: application/json\r\n\r\n{"a":1}']
    assert done == [True] and cycle.response_complete and not transport.closed


def test_a_connection_that_is_not_kept_alive_is_closed_after_the_one_write():
    cycle, transport, done = _cycle(keep_alive=False)
    _send(cycle, _head(HEADERS, True), b'{"a":1}')
    assert len(transport.writes) == 1 and transport.writes[0].endswith(b'\r\n\r\n{"a":1}')
    assert b'connection: close\r\n' in transport.writes[0] and transport.closed and done == [True]


def test_head_requests_get_no_body():
    cycle, transport, _ = _cycle(method='HEAD')
    _send(cycle, _head(HEADERS, True), b'{"a":1}')
    assert len(transport.writes) == 1 and transport.writes[0].endswith(b'application/json\r\n\r\n')


def test_values_the_endpoint_did_not_make_are_still_checked():
    cycle, transport, _ = _cycle()
    with pytest.raises(RuntimeError):
        _send(cycle, _head([(b'content-type', b'text/plain\r\nset-cookie: x=1')], False), b'')
    assert not any(b'set-cookie' in w for w in transport.writes)


def test_an_app_that_fails_before_its_body_has_sent_nothing():
    cycle, transport, _ = _cycle()
    asyncio.run(cycle.send(_head(HEADERS, True)))
    assert transport.writes == [] and not cycle.response_started  # uvicorn can still answer 500


def test_the_whole_response_extension_writes_once_or_declines():
    cycle, transport, done = _cycle()
    text = b''.join(b'%s: %s\r\n' % header for header in HEADERS)
    assert cycle.write_whole(200, text, b'{"a":1}') is True
    assert transport.writes == [b'HTTP/1.1 200 OK\r\ndate: Mon, 23 Nov 2026 10:00:00 GMT\r\n' + text + b'\r\n{"a":1}']
    assert done == [True] and cycle.response_complete
    assert cycle.write_whole(200, text, b'{}') is False  # a response was sent already
    for declined in (_cycle(method='HEAD'), _cycle(keep_alive=False)):  # these go the ASGI way
        assert declined[0].write_whole(200, text, b'{}') is False and declined[1].writes == []
