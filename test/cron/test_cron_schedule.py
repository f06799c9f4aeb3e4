"""interval_pattern parsing: every documented form, as a table."""
from datetime import datetime, timezone

import pytest

from service_background.cron.logic.interval_patterns import (
    EverySchedule,
    OnceSchedule,
    parse_duration_ms,
    parse_schedule,
)


def ms(*args) -> int:
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


BASE = ms(2024, 1, 1, 0, 0, 0)  # a Monday


@pytest.mark.parametrize('pattern, after, expected', [
    ('0 */5 * * * *', BASE, ms(2024, 1, 1, 0, 5, 0)),
    ('*/10 * * * * *', BASE, ms(2024, 1, 1, 0, 0, 10)),
    ('30 15 10 * * *', BASE, ms(2024, 1, 1, 10, 15, 30)),
    ('0 0 12 ? * MON-FRI', ms(2024, 1, 1, 12, 0, 0), ms(2024, 1, 2, 12, 0, 0)),
    ('0 0 0 ? * SAT,SUN', BASE, ms(2024, 1, 6, 0, 0, 0)),
    ('0 0 0 * * 0', BASE, ms(2024, 1, 7, 0, 0, 0)),
    ('0 30 9 15 JAN-MAR ?', BASE, ms(2024, 1, 15, 9, 30, 0)),
    ('0 0 0 1 FEB *', BASE, ms(2024, 2, 1, 0, 0, 0)),
    ('0 0 0 1 jun *', BASE, ms(2024, 6, 1, 0, 0, 0)),
    ('0 0 8-10 * * *', ms(2024, 1, 1, 9, 0, 0), ms(2024, 1, 1, 10, 0, 0)),
    ('0 0,30 * * * *', ms(2024, 1, 1, 0, 0, 0), ms(2024, 1, 1, 0, 30, 0)),
    ('@yearly', BASE, ms(2025, 1, 1)),
    ('@annually', BASE, ms(2025, 1, 1)),
    ('@monthly', BASE, ms(2024, 2, 1)),
    ('@weekly', BASE, ms(2024, 1, 7)),
    ('@daily', BASE, ms(2024, 1, 2)),
    ('@midnight', BASE, ms(2024, 1, 2)),
    ('@hourly', BASE, ms(2024, 1, 1, 1)),
    ('@every 5s', BASE, BASE + 5000),
    ('@every 1m30s', BASE, BASE + 90000),
    ('@every 2h', BASE, BASE + 7200000),
    ('@every 1.5m', BASE, BASE + 90000),
    ('@once', BASE, None),
])
def test_next_run(pattern, after, expected):
    assert parse_schedule(pattern).next_run(after, after) == expected


@pytest.mark.parametrize('pattern', [
    '', '   ', '* * * * *', '* * * * * * *', '61 * * * * *', '0 60 * * * *', '0 0 24 * * *', '0 0 0 32 * *',
    '0 0 0 * 13 *', '0 0 0 * * 8', '0 0 0 * FOO *', '0 0 0 * * FUNDAY', '0 0 0 L * *', '0 0 0 * * 1#2',
    '? * * * * *', '0 0 0 31 2 *', '@every', '@every 0s', '@every 500ms', '@every 5', '@every 5x', '@every -5s',
    '@every5s', '@reboot', '@sometimes', 'hello world',
])
def test_invalid_patterns_are_rejected(pattern):
    with pytest.raises(ValueError):
        parse_schedule(pattern)


def test_non_string_pattern_is_rejected():
    with pytest.raises(ValueError):
        parse_schedule(None)


@pytest.mark.parametrize('text, expected', [
    ('5s', 5000), ('1m30s', 90000), ('2h', 7200000), ('1h2m3s', 3723000), ('300ms', 300), ('1.5s', 1500),
    ('1000000us', 1000),
])
def test_go_durations(text, expected):
    assert parse_duration_ms(text) == expected


def test_first_runs_and_skipped_misses():
    now = BASE + 500
    once = parse_schedule('@once')
    assert isinstance(once, OnceSchedule)
    assert once.first_run(0, now) == now                       # 0 = now
    assert once.first_run(BASE // 1000 * 1000 + 60000, now) == BASE + 60000
    assert once.first_run(BASE - 60000, now) == now            # a past start runs now
    every = parse_schedule('@every 10s')
    assert isinstance(every, EverySchedule)
    assert every.first_run(0, now) == now
    assert every.first_run(BASE + 20000, now) == BASE + 20000
    assert every.first_run(BASE - 25000, now) == BASE + 5000   # a past start keeps its phase
    # runs missed while down are skipped, not replayed: the next is the first after now
    assert every.next_run(BASE, BASE + 35000) == BASE + 40000
    assert every.next_run(BASE, BASE + 40000) == BASE + 50000
    cron = parse_schedule('0 * * * * *')
    assert cron.first_run(0, BASE) == BASE                     # a match exactly at the start counts
    assert cron.next_run(BASE, BASE + 3 * 60000 + 1) == BASE + 4 * 60000
    assert parse_schedule('  @every   5s ').pattern == '@every 5s'
