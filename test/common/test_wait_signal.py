"""WaitSignal: wait_for returns at once when the attempt succeeds, sleeps without a lock or a busy
loop, wakes on notify, re-checks after ``recheck``, gives None at the timeout, and close wakes all."""
import threading
import time

from service_background.common.concurrency.wait_signal import WaitSignal


def test_returns_at_once_when_the_attempt_succeeds():
    signal = WaitSignal()
    calls = []
    assert signal.wait_for(lambda: calls.append(1) or 'x', timeout=10, recheck=10) == 'x'
    assert calls == [1]


def test_wakes_on_notify_not_on_a_poll():
    signal = WaitSignal()
    box = []
    attempts = []
    waiting = threading.Event()

    def attempt():
        attempts.append(1)
        if len(attempts) == 1:
            waiting.set()
        return box[0] if box else None
    result = []
    thread = threading.Thread(target=lambda: result.append(signal.wait_for(attempt, timeout=30, recheck=30)))
    thread.start()
    assert waiting.wait(5)
    box.append('job')
    signal.notify()
    thread.join(5)
    assert result == ['job']
    assert len(attempts) == 2  # one try, one after the notify: no polling in between


def test_a_change_between_attempt_and_sleep_is_not_missed():
    signal = WaitSignal()
    box = []

    def attempt():
        if not box:
            box.append('late')
            signal.notify()  # lands after the attempt read the generation, before the sleep
            return None
        return box[0]
    begin = time.monotonic()
    assert signal.wait_for(attempt, timeout=30, recheck=30) == 'late'
    assert time.monotonic() - begin < 5


def test_timeout_gives_none():
    signal = WaitSignal()
    begin = time.monotonic()
    assert signal.wait_for(lambda: None, timeout=0.2, recheck=10) is None
    assert 0.15 < time.monotonic() - begin < 5


def test_recheck_bounds_each_sleep():
    signal = WaitSignal()
    attempts = []
    signal.wait_for(lambda: attempts.append(1), timeout=0.5, recheck=0.1)
    assert 3 <= len(attempts) <= 10


def test_close_wakes_every_waiter_for_good():
    signal = WaitSignal()
    results = []
    started = threading.Barrier(4)

    def waiter():
        started.wait()
        results.append(signal.wait_for(lambda: None, timeout=30, recheck=30))
    threads = [threading.Thread(target=waiter) for _ in range(3)]
    for thread in threads:
        thread.start()
    started.wait()
    time.sleep(0.05)
    signal.close()
    for thread in threads:
        thread.join(5)
    assert results == [None, None, None]
    begin = time.monotonic()
    assert signal.wait_for(lambda: None, timeout=30, recheck=30) is None  # closed: no sleep
    assert time.monotonic() - begin < 1
    signal.open()
    assert signal.wait_for(lambda: None, timeout=0.05, recheck=1) is None
