import contextlib
import os
import socket
import time
import uuid
from typing import Iterator

import requests
from pip_services3_commons.config import ConfigParams

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG_PATH = os.path.join(ROOT, 'config', 'config.yml')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def unique_name(prefix: str = 'test') -> str:
    return f'{prefix}_{uuid.uuid4().hex[:12]}'


def make_persistence(kind: str, classes: dict, tmp_path, mongo_uri: str, name: str):
    """One persistence of a domain, configured for a test: ``classes`` maps memory/file/mongodb to types."""
    persistence = classes[kind]()
    if kind == 'file':
        persistence.configure(ConfigParams.from_tuples('path', str(tmp_path / f'{name}.json')))
    elif kind == 'mongodb':
        persistence.configure(ConfigParams.from_tuples('connection.uri', mongo_uri,
                                                       'connection.database', unique_name('db')))
    persistence.open(None)
    return persistence


@contextlib.contextmanager
def running_container(**params) -> Iterator[str]:
    """The real BackgroundProcess, configured by config/config.yml with ``params`` as its
    environment, serving on a free loopback port. Yields the base URL."""
    from service_background.container import BackgroundProcess
    port = free_port()
    values = {'HTTP_HOST': '127.0.0.1', 'HTTP_PORT': str(port), 'LOG_LEVEL': 'error'}
    values.update({k: str(v) for k, v in params.items() if v is not None})
    container = BackgroundProcess()
    container.read_config_from_file(None, CONFIG_PATH, ConfigParams.from_value(values))
    container.open(None)
    try:
        url = f'http://127.0.0.1:{port}'
        wait_http(url + '/heartbeat')
        yield url
    finally:
        container.close(None)


def wait_http(url: str, timeout: float = 20.0):
    deadline = time.time() + timeout
    while True:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
