"""Dates on the wire: ISO 8601 UTC with milliseconds and a Z, whatever zone or precision came in."""
import random
from datetime import datetime, timedelta, timezone

from service_background.common.data import clock


def test_to_iso_matches_isoformat_for_utc_milliseconds():
    rng = random.Random(7)
    for _ in range(20000):
        us = rng.randrange(-62_135_596_800_000_000 + 86_400_000_000, 253_402_300_799_000_000)
        value = clock.truncate(datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=us))
        assert clock.to_iso(value) == value.isoformat(timespec='milliseconds')[:-6] + 'Z'


def test_to_iso_converts_zones_naive_values_and_cuts_to_milliseconds():
    plus_two = timezone(timedelta(hours=2))
    assert clock.to_iso(datetime(5, 1, 2, 3, 4, 5, 6999, tzinfo=plus_two)) == '0005-01-02T01:04:05.006Z'
    assert clock.to_iso(datetime(2026, 1, 1, 1, 2, 3, 999999)) == '2026-01-01T01:02:03.999Z'  # naive: taken as UTC
    assert clock.to_iso(datetime(2026, 1, 1, tzinfo=timezone.utc)) == '2026-01-01T00:00:00.000Z'
    assert clock.to_iso(None) is None


def test_to_iso_of_equal_instants_is_one_text():
    value = clock.now()
    same = datetime.fromisoformat(clock.to_iso(value).replace('Z', '+00:00'))
    assert same == value and clock.to_iso(same) == clock.to_iso(value)
