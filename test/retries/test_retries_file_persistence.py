"""What only the file persistence promises: typed reloads, torn tails dropped, compaction."""
import json
import os

from service_background.common.data import clock
from service_background.retries.persistence import RetriesFilePersistence

from ..helpers import open_file_persistence


def _open(path, **options):
    return open_file_persistence(RetriesFilePersistence, path, **options)


def test_reload_gives_typed_objects(tmp_path):
    path = tmp_path / 'retries.json'
    p = _open(path)
    now = clock.now()
    p.add_attempt(None, 'g', 'a', now, clock.add_ms(now, 1000))
    p.add_attempt(None, 'g', 'a', now, clock.add_ms(now, 1000))
    p.add_attempt(None, 'g', 'b', now, clock.add_ms(now, 1000))
    p.delete_by_ids(None, 'g', 'b')
    p.close(None)
    p = _open(path)
    retry = p.get_one_by_ids(None, 'g', 'a')
    assert retry.attempt_count == 2
    assert retry.last_attempt_time == now
    assert p.get_one_by_ids(None, 'g', 'b') is None
    p.close(None)


def test_torn_journal_tail_is_dropped(tmp_path):
    path = tmp_path / 'retries.json'
    p = _open(path, compact_min=100000)
    now = clock.now()
    p.add_attempt(None, 'g', 'kept', now, clock.add_ms(now, 1000))
    # simulate a crash after acknowledging 'kept': no close(), and half a line appended
    with open(str(path) + '.journal', 'ab') as f:
        f.write(b'{"key":["g","torn"],"item":{"id":"to')
    p2 = _open(path)
    assert p2.get_one_by_ids(None, 'g', 'kept').attempt_count == 1
    assert p2.get_one_by_ids(None, 'g', 'torn') is None
    p2.add_attempt(None, 'g', 'after', now, clock.add_ms(now, 1000))
    p2.close(None)
    p3 = _open(path)
    assert p3.get_one_by_ids(None, 'g', 'after') is not None
    p3.close(None)


def test_compaction_keeps_everything_and_bounds_the_journal(tmp_path):
    path = tmp_path / 'retries.json'
    p = _open(path, compact_min=50)
    now = clock.now()
    for i in range(500):
        p.add_attempt(None, 'g', f'id{i % 20}', now, clock.add_ms(now, 1000))
    with open(str(path) + '.journal') as f:
        assert sum(1 for _ in f) < 60
    with open(path) as f:
        assert len(json.load(f)) == 20
    p.close(None)
    p = _open(path)
    assert sum(r.attempt_count for r in p.get_list_by_filter(None)) == 500
    p.close(None)
    assert not os.path.exists(str(path) + '.tmp')
