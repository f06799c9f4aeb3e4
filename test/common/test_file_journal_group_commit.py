"""Group commit of the file journal: concurrent writers share fsyncs (threads and calls on the event
loop), an acknowledged write survives a kill -9 of the real service, and a failed fsync fails every
writer of its group and keeps nothing of them."""
import asyncio
import errno
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from service_background.common.persistence import journal_sync
from service_background.common.persistence.file_journal import StorageUnavailableException
from service_background.common.persistence.journal_sync import call_durably

from ..helpers import ROOT, free_port, patch_file_syncs, wait_http
from .test_file_journal import Note, open_notes, texts

WRITERS = 32


def test_concurrent_threads_share_fsyncs_and_every_write_survives(tmp_path):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    start = threading.Barrier(WRITERS)

    def writer(number):
        start.wait(10)
        for i in range(20):
            store.create(None, Note(f'w{number}-{i}', str(i)))
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))
    writes = WRITERS * 20
    assert 0 < store.journal.fsync_count < writes
    again = open_notes(path)  # the first store left open, as a killed process leaves its files
    assert len(texts(again)) == writes


def test_calls_on_the_event_loop_await_one_shared_fsync(tmp_path):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    before = store.journal.fsync_count

    async def main():
        return await asyncio.gather(*(call_durably(store.create, None, Note(f'n{i}', 'x')) for i in range(WRITERS)))
    created = asyncio.run(main())
    assert [n.id for n in created] == [f'n{i}' for i in range(WRITERS)]
    assert 0 < store.journal.fsync_count - before < WRITERS
    assert len(texts(open_notes(path))) == WRITERS


def test_loop_calls_are_made_durable_on_the_loop_unless_the_disk_is_slow(tmp_path, monkeypatch):
    """Fast fsyncs run on the loop after its turn (no thread to wake); while they take longer than
    SLOW_FSYNC on average the syncer thread runs them, so a slow disk does not stall the loop; once they
    are fast again the loop takes them back. Every call returns after its fsync alike."""
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    monkeypatch.setattr(journal_sync, 'SLOW_FSYNC', 0.03)  # well above a loaded machine's fast fsync
    real_fsync, runs, delay = os.fsync, [], {'seconds': 0.0}

    def fsync(fd):
        threading.Event().wait(delay['seconds'])
        runs.append(threading.current_thread().name)
        real_fsync(fd)
    patch_file_syncs(monkeypatch, fsync)

    def calls(prefix, count):
        async def main():
            for i in range(count):
                await call_durably(store.create, None, Note(f'{prefix}{i}', 'x'))
            return threading.current_thread().name
        runs.clear()
        return asyncio.run(main())
    loop_thread = calls('fast', 3)
    assert runs == [loop_thread] * 3
    delay['seconds'] = 0.1
    calls('slow', 6)
    assert runs[0] == loop_thread and runs[-1].startswith('journal-sync')
    delay['seconds'] = 0.0
    calls('again', 12)
    assert runs[0].startswith('journal-sync') and runs[-1] == loop_thread
    assert len(texts(open_notes(path))) == 21


def test_a_failed_fsync_fails_every_writer_of_its_group(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    store.create(None, Note('a', 'before'))
    real_fsync = os.fsync
    entered, release = threading.Event(), threading.Event()
    failing = {'on': True}

    def fsync(fd):  # the first fsync of the group holds until every writer has appended, then fails
        if failing['on']:
            entered.set()
            assert release.wait(10)
            raise OSError(errno.EIO, 'I/O error')
        return real_fsync(fd)
    patch_file_syncs(monkeypatch, fsync)
    outcomes = {}

    def writer(key):
        try:
            store.create(None, Note(key, 'lost'))
            outcomes[key] = 'ok'
        except StorageUnavailableException as ex:
            outcomes[key] = ex.status
    threads = [threading.Thread(target=writer, args=(f'g{i}',)) for i in range(8)]
    threads[0].start()
    assert entered.wait(10)
    for thread in threads[1:]:
        thread.start()
    deadline = 100
    while store.journal.written < 9 and deadline:  # all eight appended while the fsync runs
        deadline -= 1
        threading.Event().wait(0.05)
    release.set()
    for thread in threads:
        thread.join(10)
    assert outcomes == {f'g{i}': 503 for i in range(8)}
    assert texts(store) == {'a': 'before'}  # cut back: nothing of the failed group is visible
    failing['on'] = False
    store.create(None, Note('b', 'after'))
    assert texts(open_notes(path)) == {'a': 'before', 'b': 'after'}


def test_a_failed_fsync_fails_every_loop_call_of_its_group(tmp_path, monkeypatch):
    path = tmp_path / 'notes.json'
    store = open_notes(path, compact_min=100000)
    store.create(None, Note('a', 'before'))

    def fsync(fd):
        raise OSError(errno.EIO, 'I/O error')
    patch_file_syncs(monkeypatch, fsync)

    async def main():
        return await asyncio.gather(*(call_durably(store.create, None, Note(f'n{i}', 'x')) for i in range(WRITERS)),
                                    return_exceptions=True)
    outcomes = asyncio.run(main())
    assert all(isinstance(o, StorageUnavailableException) and o.status == 503 for o in outcomes)
    assert texts(store) == {'a': 'before'}
    monkeypatch.undo()
    store.create(None, Note('b', 'after'))
    assert texts(open_notes(path)) == {'a': 'before', 'b': 'after'}


# --- the real service ---------------------------------------------------------------------------------
def _start(data_dir):
    port = free_port()
    env = dict(os.environ, HTTP_HOST='127.0.0.1', HTTP_PORT=str(port), HTTP_FUNC_LISTEN=str(free_port()),
               DATA_DIR=str(data_dir), LOG_LEVEL='error', JOURNAL_COMPACT_MIN='64')
    for name in ('MEMORY_ENABLED', 'MONGO_ENABLED', 'AUTH_TOKENS'):
        env.pop(name, None)
    process = subprocess.Popen([sys.executable, os.path.join(ROOT, 'bin', 'run.py')], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    wait_http(url + '/heartbeat', timeout=60)
    return process, url


@pytest.mark.timeout(180)
def test_kill9_of_the_service_keeps_every_acknowledged_write_of_32_clients(tmp_path):
    process, url = _start(tmp_path)
    acked, lock, stop = [], threading.Lock(), threading.Event()

    def client(number):
        session = requests.Session()
        for i in range(200):  # bounded; the kill ends it sooner
            if stop.is_set():
                return
            try:
                reply = session.post(f'{url}/v1/jobs/add_job', timeout=10,
                                     json={'new_job': {'type': 'gc', 'params': {'c': number, 'i': i}}})
            except requests.RequestException:
                return
            if reply.status_code != 200:
                return
            with lock:
                acked.append(reply.json()['id'])
    threads = [threading.Thread(target=client, args=(n,)) for n in range(WRITERS)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(200):  # until enough writes were acknowledged (at most 20 s)
            if len(acked) >= 1000:
                break
            threading.Event().wait(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        stop.set()
        for thread in threads:
            thread.join(15)
        assert len(acked) > WRITERS
        process, url = _start(tmp_path)
        session = requests.Session()
        found = set()
        for job_id in acked:
            reply = session.post(f'{url}/v1/jobs/get_job_by_id', json={'job_id': job_id}, timeout=10)
            if reply.status_code == 200 and (reply.json() or {}).get('id') == job_id:
                found.add(job_id)
        assert set(acked) - found == set()
    finally:
        stop.set()
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
