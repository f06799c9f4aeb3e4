"""ServiceState logs each change of the service's state once, even with calls in flight."""
import logging

from pip_services3_commons.errors import ConnectionException

from service_background.worker.service_state import ServiceState


def test_a_reply_to_a_call_sent_before_the_failure_does_not_flip_the_state(caplog):
    state = ServiceState('http://127.0.0.1:1')
    caplog.set_level(logging.INFO, logger='service-background-worker')
    state.ok(state.ticket())
    in_flight = state.ticket()  # sent while the service still answered
    state.failed(ConnectionException(None, 'DOWN', 'gone'))
    state.ok(in_flight)  # its reply arrives after another call failed
    assert state.state == 'unreachable'
    state.failed(ConnectionException(None, 'DOWN', 'gone'))
    fresh = state.ticket()
    state.ok(fresh)
    assert state.state == 'online'
    text = caplog.text
    assert text.count('unreachable') == 1 and text.count('answers again') == 1


def test_a_fresh_success_resets_the_backoff():
    state = ServiceState('http://127.0.0.1:1', min_backoff=0.2, max_backoff=15)
    delays = [state.failed(ConnectionException(None, 'DOWN', 'gone')) for _ in range(4)]
    assert delays[3] > delays[0] * 4
    state.ok(state.ticket())
    assert state.failed(ConnectionException(None, 'DOWN', 'gone')) <= 0.2 * 1.25
