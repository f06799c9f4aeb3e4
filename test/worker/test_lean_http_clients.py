"""The lean HTTP transport of the sync and async clients: keep-alive reuse, a server that closes
connections, timeouts, bearer tokens, and ErrorDescriptions raised as the same exceptions."""
import asyncio
import socket
import threading
import time

import pytest
from pip_services3_commons.config import ConfigParams
from pip_services3_commons.errors import BadRequestException, ConnectionException, NotFoundException

from service_background.jobs.clients.version1 import JobsHttpClientV1
from service_background.jobs.clients.version1.jobs_async_client_v1 import JobsAsyncClientV1

from ..helpers import open_http_client
from .relay import Relay


class RawServer:
    """Accepts connections, records what arrives, then does ``behaviour``: 'silent' (never answers)
    or 'hangup' (closes once a request head came)."""

    def __init__(self, behaviour: str):
        self._behaviour = behaviour
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.port = self._listener.getsockname()[1]
        self.heads = []
        self._open = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(client)
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = client.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.heads.append(data.split(b'\r\n\r\n')[0].decode('latin-1'))
            if self._behaviour == 'hangup':
                client.close()

    def close(self):
        self._listener.close()
        for s in self._open:
            s.close()


def _port(url: str) -> int:
    return int(url.rsplit(':', 1)[1])


def test_keep_alive_reuse_and_server_closing_connections(service):
    relay = Relay(_port(service))
    sync = open_http_client(JobsHttpClientV1, f'http://127.0.0.1:{relay.port}')

    async def scenario():
        async with JobsAsyncClientV1(f'http://127.0.0.1:{relay.port}', max_connections=4) as client:
            for i in range(20):
                await client.add_job(None, {'type': 'lean_keep', 'params': {'i': i}})
            assert relay.accepted == 1, 'sequential calls share one connection'
            await asyncio.gather(*(client.add_job(None, {'type': 'lean_keep'}) for _ in range(40)))
            assert 1 < relay.accepted <= 4, 'concurrent calls stay within max_connections'
            relay.cut()  # every pooled connection is now closed by the other side
            await asyncio.sleep(0.1)
            job = await client.add_job(None, {'type': 'lean_keep', 'params': {'after': 'cut'}})
            assert job.params == {'after': 'cut'}
    try:
        asyncio.run(scenario())
        before = relay.accepted
        for _ in range(10):
            sync.add_job(None, {'type': 'lean_keep'})
        assert relay.accepted == before + 1, 'the sync client keeps its connection too'
        relay.cut()
        time.sleep(0.1)
        assert sync.add_job(None, {'type': 'lean_keep'}).type == 'lean_keep'
        assert relay.accepted == before + 2
    finally:
        sync.close(None)
        relay.close()


def test_a_server_that_hangs_up_or_stays_silent_is_no_response():
    hangup, silent = RawServer('hangup'), RawServer('silent')

    async def scenario():
        async with JobsAsyncClientV1(f'http://127.0.0.1:{hangup.port}') as client:
            with pytest.raises(ConnectionException):
                await client.get_job_by_id(None, 'x')
        async with JobsAsyncClientV1(f'http://127.0.0.1:{silent.port}', timeout=0.5, token='secret') as client:
            started = time.monotonic()
            with pytest.raises(ConnectionException) as raised:
                await client.get_job_by_id(None, 'x')
            assert time.monotonic() - started < 5
            assert 'timed out' in str(raised.value)
    try:
        asyncio.run(scenario())
        assert 'Authorization: Bearer secret' in silent.heads[0].split('\r\n')
        sync = JobsHttpClientV1()
        sync.configure(ConfigParams.from_tuples('connection.uri', f'http://127.0.0.1:{silent.port}',
                                                'options.timeout', 500))
        sync.open(None)
        with pytest.raises(ConnectionException):
            sync.get_job_by_id(None, 'x')
    finally:
        hangup.close()
        silent.close()


def test_error_descriptions_become_the_same_exceptions(service):
    sync = open_http_client(JobsHttpClientV1, service)

    async def scenario():
        async with JobsAsyncClientV1(service) as client:
            with pytest.raises(NotFoundException) as missing:
                await client.get_job_by_id(None, 'lean-nope')
            with pytest.raises(BadRequestException) as bad:
                await client.call_command('add_job', None, {'new_job': {'type': 5}})
            return missing.value, bad.value
    try:
        missing, bad = asyncio.run(scenario())
        with pytest.raises(NotFoundException) as sync_missing:
            sync.get_job_by_id(None, 'lean-nope')
        with pytest.raises(BadRequestException) as sync_bad:
            sync.call_command('add_job', None, {'new_job': {'type': 5}})
        for a, b in ((missing, sync_missing.value), (bad, sync_bad.value)):
            assert (a.code, a.status) == (b.code, b.status) and a.status in (400, 404)
    finally:
        sync.close(None)
