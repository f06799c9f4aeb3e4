"""The heap scheduler alone (a unit test: fake on_due, real thread and clock)."""
import threading
import time

from service_background.common.data.clock import now_ms
from service_background.cron.logic.interval_patterns import parse_schedule
from service_background.cron.logic.scheduler import Scheduler


class Recorder:

    def __init__(self):
        self.fired = []
        self.event = threading.Event()

    def __call__(self, key, planned, next_ms):
        self.fired.append((key, planned, next_ms, now_ms()))
        self.event.set()


def test_fires_in_time_order_and_reschedules():
    rec = Recorder()
    s = Scheduler(rec)
    s.start()
    try:
        start = now_ms()
        s.schedule('b', start + 300, parse_schedule('@once'))
        s.schedule('a', start + 100, parse_schedule('@once'))
        s.schedule('c', start + 200, parse_schedule('@every 1s'))
        time.sleep(0.6)
        assert [f[0] for f in rec.fired] == ['a', 'c', 'b']
        key, planned, next_ms, at = rec.fired[1]
        assert planned == start + 200 and next_ms == start + 1200
        assert s.planned('c') == start + 1200 and s.planned('a') is None
        assert all(0 <= f[3] - f[1] < 500 for f in rec.fired)
    finally:
        s.stop()


def test_an_earlier_edit_wakes_the_sleeping_thread():
    rec = Recorder()
    s = Scheduler(rec)
    s.start()
    try:
        s.schedule('late', now_ms() + 60000, parse_schedule('@once'))
        time.sleep(0.1)  # the thread now sleeps for a minute
        s.schedule('late', now_ms() + 50, parse_schedule('@once'))
        assert rec.event.wait(2)
        assert [f[0] for f in rec.fired] == ['late']
    finally:
        s.stop()


def test_unscheduled_and_replaced_entries_never_fire():
    rec = Recorder()
    s = Scheduler(rec)
    s.start()
    try:
        base = now_ms()
        s.schedule('gone', base + 100, parse_schedule('@once'))
        s.unschedule('gone')
        s.schedule('moved', base + 100, parse_schedule('@once'))
        s.schedule('moved', base + 250, parse_schedule('@once'))
        s.schedule('none', base + 100, parse_schedule('@once'))
        s.schedule('none', None, parse_schedule('@once'))
        time.sleep(0.5)
        assert [(f[0], f[1]) for f in rec.fired] == [('moved', base + 250)]
        assert len(s) == 0
    finally:
        s.stop()


def test_idle_scheduler_sleeps_instead_of_scanning_and_stops_promptly():
    reads = []

    def clock():
        reads.append(1)
        return now_ms()

    s = Scheduler(Recorder(), clock=clock)
    s.start()
    try:
        for i in range(1000):
            s.schedule(i, now_ms() + 3600000, parse_schedule('@once'))
        time.sleep(0.5)
        before = len(reads)
        time.sleep(1.0)
        assert len(reads) - before <= 2  # asleep until the earliest run, an hour away
    finally:
        started = time.monotonic()
        s.stop()
        assert time.monotonic() - started < 2


def test_a_delayed_or_early_key_fires_off_time_yet_reports_its_planned_times():
    rec = Recorder()
    s = Scheduler(rec, default_delay_ms=-200)
    s.start()
    try:
        base = now_ms() + 400
        s.schedule('ahead', base, parse_schedule('@every 1s'))  # the default: 200 ms ahead
        s.schedule('late', base, parse_schedule('@every 1s'))
        s.delay('late', 150)
        time.sleep(max(0.0, (base + 950 - now_ms()) / 1000))  # 2nd 'ahead' is out (at +800), 2nd 'late' not (+1150)
        fired = {(f[0], f[1]): f for f in rec.fired}
        ahead, late = fired[('ahead', base)], fired[('late', base)]
        assert ahead[2] == base + 1000 and late[2] == base + 1000  # the schedule never shifts
        assert -250 <= ahead[3] - base <= -120, ahead
        assert 140 <= late[3] - base <= 300, late
        assert ('ahead', base + 1000) in fired and ('late', base + 1000) not in fired
    finally:
        s.stop()


def test_an_entry_centuries_ahead_keeps_the_thread_alive():
    """exec_time may be as late as 9999-12-31: a wait past threading.TIMEOUT_MAX must not end the thread."""
    rec = Recorder()
    s = Scheduler(rec)
    s.start()
    try:
        s.schedule('far', 253402300799000, parse_schedule('@once'))
        time.sleep(0.1)
        s.schedule('soon', now_ms() + 50, parse_schedule('@once'))
        assert rec.event.wait(2)
        assert [f[0] for f in rec.fired] == ['soon']
    finally:
        s.stop()
