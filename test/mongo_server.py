"""Starts a MongoDB-wire-protocol server for the tests (SPEC.md: nx-27017 by default, secantusdb when
TEST_MONGO_SERVER=secantusdb), or uses MONGO_SERVICE_URI when it points at a real MongoDB."""
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pymongo

from .helpers import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _binary(env_name: str, name: str) -> str:
    candidates = [os.environ.get(env_name), os.path.join(ROOT, '.venv-mongo', 'bin', name), shutil.which(name)]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError(f'{name} is not installed: run `make test` (it installs it into .venv-mongo) '
                       f'or set {env_name} or MONGO_SERVICE_URI')


class MongoServer:

    def __init__(self, own: bool = False):
        """``own``: always start a server of this process's own (one a test can pause), whatever
        MONGO_SERVICE_URI says."""
        self.uri = None if own else os.environ.get('MONGO_SERVICE_URI')
        self._process = None
        self._folder = None

    def start(self) -> str:
        if self.uri:
            return self.uri
        port = free_port()
        self._folder = tempfile.mkdtemp(prefix='mongo-wire-')
        if os.environ.get('TEST_MONGO_SERVER') == 'secantusdb':
            command = [_binary('SECANTUSD_BIN', 'secantusd-py'), '--host', '127.0.0.1', '--port', str(port),
                       '--storage-path', ':memory:']
        else:
            command = [_binary('NX27017_BIN', 'nx-27017'), '--host', '127.0.0.1', '-p', str(port),
                       '--db', 'memory', '--pid-file', os.path.join(self._folder, 'server.pid')]
        log = open(os.path.join(self._folder, 'server.log'), 'wb')
        self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self._folder,
                                         start_new_session=True)
        self.uri = f'mongodb://127.0.0.1:{port}'
        deadline = time.time() + 30
        while True:
            try:
                client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
                client.admin.command('ping')
                client.close()
                return self.uri
            except Exception:
                if self._process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f'MongoDB-wire server did not start: see {self._folder}/server.log')
                time.sleep(0.2)

    def stop(self):
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
                self._process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process = None
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)
