"""FileJournal and the file side of MemoryPersistence: frames, torn and damaged records, failed
appends (ENOSPC/EIO), fsync failures, compaction outside the lock, old unframed journals."""
import errno
import json
import os
import threading
import time

import pytest
from pip_services3_commons.config import ConfigParams

from service_background.common.data.data_object import DataObjectV1
from service_background.common.persistence import file_journal
from service_background.common.persistence.file_journal import (
    FileJournal,
    StorageUnavailableException,
    frame,
    parse_record,
)
from service_background.common.persistence.memory_persistence import MemoryPersistence

from ..helpers import patch_file_syncs


class Note(DataObjectV1):
    def __init__(self, id=None, text=None):
        self.id = id
        self.text = text


class NotesFile(MemoryPersistence):
    def __init__(self, path):
        super().__init__(Note)
        self._journal = FileJournal(str(path))


def open_notes(path, **options) -> NotesFile:
    store = NotesFile(path)
    params = ['path', str(path)]
    for key, value in options.items():
        params += [f'options.{key}', value]
    store.configure(ConfigParams.from_tuples(*params))
    store.open(None)
    return store


def texts(store) -> dict:
    return {n.id: n.text for n in store.get_list_by_filter(None)}


def journal_bytes(path) -> bytes:
    with open(str(path) + '.journal', 'rb') as f:
        return f.read()


# --- frames -------------------------------------------------------------------------------------
def test_frame_round_trip_and_damage_detection():
    record = frame(b'{"key":"a","item":{"id":"a"}}')
    assert parse_record(record) == (0, {'key': 'a', 'item': {'id': 'a'}})
    flipped = record.replace(b'"id":"a"', b'"id":"b"')
    assert parse_record(flipped) == (len(flipped), None)  # checksum catches it
    torn = record[:20]
    assert parse_record(torn)[1] is None
    # a torn record followed by a whole one on the same line: the good frame inside is found
    skip, entry = parse_record(record[:15] + frame(b'{"key":"c"}'))
    assert skip == 15 and entry == {'key': 'c'}


def test_records_are_framed_and_reload(tmp_path):
    path = tmp_path / 'notes.json'
    store = open_notes(path)
    store.create(None, Note('a', 'one'))
    store.create(None, Note('b', 'two'))
    store.delete_by_id(None, 'a')
    lines = journal_bytes(path).splitlines(keepends=True)
    assert len(lines) == 3 and all(line.startswith(b'#') for line in lines)
    store.close(None)
    assert texts(open_notes(path)) == {'b': 'two'}


def test_old_unframed_journal_loads_and_is_converted(tmp_path):
    path = tmp_path / 'notes.json'
    with open(str(path) + '.journal', 'wb') as f:
        f.write(b'{"key":"a","item":{"id":"a","text":"old"}}\n{"key":"b","item":{"id":"b","text":"x"}}\n'
                b'{"key":"b"}\n')
    store = open_notes(path)
    assert texts(store) == {'a': 'old'}
    store.create(None, Note('c', 'new'))
    store.close(None)
    assert all(line.startswith(b'#') for line in journal_bytes(path).splitlines())
    assert texts(open_notes(path)) == {'a': 'old', 'c': 'new'}


# --- damaged journals ---------------------------------------------------------------------------
def _crash_copy(store):
    """Leaves ``store`` as a kill -9 would: no close(); its files stay as they are."""
    store._journal._fd = None  # the descriptor leaks like a dead process's


def test_torn_middle_record_is_skipped_and_later_writes_survive(tmp_path, caplog):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    for key in 'abcde':
        store.create(None, Note(key, key * 3))
    _crash_copy(store)
    data = journal_bytes(path)
    lines = data.splitlines(keepends=True)
    # damage the middle record ('c'): flip payload bytes, keep its length
    damaged = lines[2].replace(b'ccc', b'cXc')
    with open(str(path) + '.journal', 'wb') as f:
        f.write(b''.join(lines[:2] + [damaged] + lines[3:]))
    again = open_notes(path)
    assert texts(again) == {'a': 'aaa', 'b': 'bbb', 'd': 'ddd', 'e': 'eee'}
    report = again._journal.last_load_report
    assert report['skipped_records'] == 1 and report['records'] == 4
    with open(str(path) + '.journal.skipped', 'rb') as f:
        assert b'cXc' in f.read()


def test_half_written_middle_record_followed_by_whole_ones(tmp_path):
    """A write cut short (ENOSPC in an older version, a disk that lied) with later writes after it:
    the later, acknowledged ones are all replayed."""
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    for key in 'abcd':
        store.create(None, Note(key, key))
    _crash_copy(store)
    lines = journal_bytes(path).splitlines(keepends=True)
    with open(str(path) + '.journal', 'wb') as f:
        f.write(lines[0] + lines[1][:len(lines[1]) // 2] + lines[2] + lines[3])
    again = open_notes(path)
    assert texts(again) == {'a': 'a', 'c': 'c', 'd': 'd'}
    assert again._journal.last_load_report['skipped_records'] == 1


def test_torn_tail_is_dropped(tmp_path):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    store.create(None, Note('a', 'kept'))
    _crash_copy(store)
    with open(str(path) + '.journal', 'ab') as f:
        f.write(frame(b'{"key":"b","item":{"id":"b","text":"torn"}}')[:25])
    again = open_notes(path)
    assert texts(again) == {'a': 'kept'}
    assert again._journal.last_load_report['torn_bytes'] == 25


# --- failed appends -----------------------------------------------------------------------------
class FailingWrites:
    """os.write that writes ``partial`` bytes then fails with ``errno`` while armed."""

    def __init__(self, monkeypatch, error=errno.ENOSPC, partial=7):
        self.armed = False
        self.error = error
        self.partial = partial
        self._real = os.write
        monkeypatch.setattr(file_journal.os, 'write', self)

    def __call__(self, fd, data):
        if self.armed:
            self._real(fd, bytes(data[:self.partial]))
            raise OSError(self.error, os.strerror(self.error))
        return self._real(fd, data)


def test_enospc_append_is_cut_back_and_fails_with_503(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    writes = FailingWrites(monkeypatch)
    store.create(None, Note('a', 'before'))
    size = os.path.getsize(str(path) + '.journal')
    writes.armed = True
    with pytest.raises(StorageUnavailableException) as failure:
        store.create(None, Note('b', 'failed'))
    assert failure.value.status == 503 and failure.value.code == 'STORAGE_UNAVAILABLE'
    assert os.path.getsize(str(path) + '.journal') == size  # the torn bytes are gone
    assert texts(store) == {'a': 'before'}
    writes.armed = False
    store.create(None, Note('c', 'after'))  # acknowledged after the failure
    _crash_copy(store)
    again = open_notes(path)
    assert texts(again) == {'a': 'before', 'c': 'after'}
    assert again._journal.last_load_report['skipped_records'] == 0


def test_failed_batch_leaves_nothing_of_it_in_memory(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    writes = FailingWrites(monkeypatch, error=errno.EIO, partial=40)
    store.create(None, Note('a', 'before'))
    writes.armed = True
    with pytest.raises(StorageUnavailableException):
        store.create_many(None, [Note(k, k) for k in 'xyz'])
    assert texts(store) == {'a': 'before'}
    writes.armed = False
    store.create_many(None, [Note(k, k) for k in 'uv'])
    _crash_copy(store)
    assert texts(open_notes(path)) == {'a': 'before', 'u': 'u', 'v': 'v'}


def test_when_the_cut_back_fails_writes_are_refused_until_a_snapshot_succeeds(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    writes = FailingWrites(monkeypatch)
    store.create(None, Note('a', 'before'))
    real_truncate = os.ftruncate
    disk_full = {'on': True}

    def ftruncate(fd, size):
        if disk_full['on']:
            raise OSError(errno.EIO, 'I/O error')
        return real_truncate(fd, size)
    monkeypatch.setattr(file_journal.os, 'ftruncate', ftruncate)
    real_replace = os.replace

    def replace(src, dst):
        if disk_full['on']:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_replace(src, dst)
    monkeypatch.setattr(file_journal.os, 'replace', replace)
    writes.armed = True
    with pytest.raises(StorageUnavailableException):
        store.create(None, Note('b', 'torn'))
    writes.armed = False
    assert store._journal.failed
    with pytest.raises(StorageUnavailableException):  # never written after the torn record
        store.create(None, Note('c', 'refused'))
    assert texts(store) == {'a': 'before'}
    disk_full['on'] = False
    store.create(None, Note('d', 'after'))  # the recovery snapshot succeeds first
    assert not store._journal.failed
    _crash_copy(store)
    assert texts(open_notes(path)) == {'a': 'before', 'd': 'after'}


def test_failed_fsync_is_a_503_and_refuses_writes_until_recovered(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    store.create(None, Note('a', 'before'))
    real_fsync = os.fsync
    failing = {'on': True}

    def fsync(fd):
        if failing['on']:
            raise OSError(errno.EIO, 'I/O error')
        return real_fsync(fd)
    patch_file_syncs(monkeypatch, fsync)
    with pytest.raises(StorageUnavailableException):
        store.create(None, Note('b', 'unsure'))
    failing['on'] = False
    store.create(None, Note('c', 'after'))
    store.close(None)
    assert texts(open_notes(path))['c'] == 'after'


# --- compaction ---------------------------------------------------------------------------------
def test_compaction_is_written_outside_the_lock_while_writes_go_on(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    # inline max 0: every snapshot is written by the background thread
    store = open_notes(path, compact_min=20, compact_inline_max=0)
    started, release = threading.Event(), threading.Event()
    real = FileJournal._write_snapshot

    def slow_snapshot(self, items):
        started.set()
        assert release.wait(10)
        return real(self, items)
    monkeypatch.setattr(FileJournal, '_write_snapshot', slow_snapshot)
    for i in range(25):
        store.create(None, Note(f'n{i}', 'x'))
    assert started.wait(5)
    # the snapshot is stuck: writes and reads are not
    begin = time.monotonic()
    for i in range(25, 60):
        store.create(None, Note(f'n{i}', 'y'))
    assert len(store.get_list_by_filter(None)) == 60
    assert time.monotonic() - begin < 2
    assert os.path.exists(str(path) + '.journal.1')  # the frozen segment, still needed
    # a crash now (old snapshot + segment + journal) loses nothing
    crash = tmp_path / 'crash'
    crash.mkdir()
    for name in os.listdir(tmp_path):
        if name.startswith('notes.json'):
            with open(tmp_path / name, 'rb') as src, open(crash / name, 'wb') as dst:
                dst.write(src.read())
    monkeypatch.setattr(FileJournal, '_write_snapshot', real)
    assert len(texts(open_notes(crash / 'notes.json'))) == 60
    release.set()
    store._journal.wait_compacted(10)
    assert not os.path.exists(str(path) + '.journal.1')
    with open(path) as f:
        assert len(json.load(f)) >= 20  # the generation frozen when the journal reached 20 records
    store.close(None)
    assert len(texts(open_notes(path))) == 60


def test_small_compaction_runs_after_the_lock_and_bounds_the_journal(tmp_path):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=30)
    for i in range(300):
        store.create(None, Note(f'n{i % 10}', str(i)))
    assert len(journal_bytes(path).splitlines()) < 35
    assert not [n for n in os.listdir(tmp_path) if n.startswith('notes.json.journal.')]
    store.close(None)
    assert texts(open_notes(path)) == {f'n{i}': str(290 + i) for i in range(10)}


def test_stored_items_are_not_changed_in_place(tmp_path):
    """The cheap snapshot relies on it: a write replaces the stored object."""
    store = open_notes(tmp_path / 'notes.json')
    store.create(None, Note('a', 'one'))
    before = store._items['a']
    store.modify(None, 'a', lambda n: setattr(n, 'text', 'two') or n)
    assert before.text == 'one' and store._items['a'].text == 'two'
    got = store.get_one_by_id(None, 'a')
    got.text = 'leak'
    assert store._items['a'].text == 'two'


# --- patches --------------------------------------------------------------------------------------
def test_patch_journals_only_the_changed_fields(tmp_path):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    store.create(None, Note('a', 'x' * 100_000))
    size = os.path.getsize(str(path) + '.journal')
    assert store.patch(None, 'a', {'id': 'a'}, lambda n: n.text.startswith('y')) is None  # condition fails
    store.patch(None, 'b', {'text': 'nobody'})  # no such item: nothing written
    assert os.path.getsize(str(path) + '.journal') == size
    assert store.patch(None, 'a', {'text': 'short'}).text == 'short'
    assert os.path.getsize(str(path) + '.journal') - size < 100
    _crash_copy(store)
    assert texts(open_notes(path)) == {'a': 'short'}


def test_a_cron_run_on_a_large_job_writes_small_records(tmp_path):
    from service_background.common.data import clock
    from service_background.cron.data.version1 import CronJobV1
    from service_background.cron.persistence import CronJobsFilePersistence
    path = tmp_path / 'cron_jobs.json'
    store = CronJobsFilePersistence(str(path))
    store.configure(ConfigParams.from_tuples('path', str(path), 'options.compact_min', 100000))
    store.open(None)
    now = clock.now()
    store.create_job(None, CronJobV1(group_name='g', job_id='j', exec_command='x' * 256 * 1024, next_run=now))
    size = os.path.getsize(str(path) + '.journal')
    later = clock.add_ms(now, 1000)
    assert store.claim_run(None, 'g', 'j', later, later, None) is None  # not the planned run
    assert store.claim_run(None, 'g', 'j', now, later, now).next_run == later
    store.set_last_result(None, 'g', 'j', {'status': 'ok'})
    assert os.path.getsize(str(path) + '.journal') - size < 400
    store._journal._fd = None  # crash
    again = CronJobsFilePersistence(str(path))
    again.configure(ConfigParams.from_tuples('path', str(path)))
    again.open(None)
    job = again.get_job(None, 'g', 'j')
    assert (job.next_run, job.last_run, job.last_result) == (later, now, {'status': 'ok'})
    assert len(job.exec_command) == 256 * 1024


def test_a_real_short_write_past_the_file_size_limit(tmp_path):
    """The kernel's own partial write: RLIMIT_FSIZE lets a write fill the file up to the limit and fail
    with EFBIG (as ENOSPC does on a full disk). Run in a child so the limit stays there."""
    import subprocess
    import sys
    import textwrap
    path = tmp_path / 'notes.json'
    script = textwrap.dedent(f'''
        import os, resource, signal
        from test.common.test_file_journal import Note, open_notes, texts
        from service_background.common.persistence.file_journal import StorageUnavailableException
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        store = open_notes({str(path)!r}, compact_min=100000)
        store.create(None, Note('a', 'before'))
        size = os.path.getsize({str(path)!r} + '.journal')
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 30, hard))
        try:
            store.create(None, Note('big', 'x' * 1000))
            print('NO FAILURE')
        except StorageUnavailableException as ex:
            print('503', ex.status)
        assert os.path.getsize({str(path)!r} + '.journal') == size
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        store.create(None, Note('c', 'after'))
        os._exit(0)  # a crash: no close
    ''')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=60,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    assert result.returncode == 0, result.stderr
    assert '503 503' in result.stdout
    assert texts(open_notes(path)) == {'a': 'before', 'c': 'after'}
