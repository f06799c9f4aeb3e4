import contextlib
import os
import random
import socket
import time
import uuid
from typing import Iterator

import requests
from pip_services3_commons.config import ConfigParams

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the default config, shipped inside the package
CONFIG_PATH = os.path.join(ROOT, 'src', 'service_background', 'config', 'config.yml')


# Ports for test servers come from below the kernel's ephemeral range: a port the kernel handed out
# and took back can be given to the next outgoing connection before our server binds it.
_PORTS_LOW, _PORTS_HIGH = 20000, 32000
_given: set = set()


def free_port() -> int:
    """A loopback port nobody listens on, never handed out twice by this process."""
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(1000):
        port = rng.randrange(_PORTS_LOW, _PORTS_HIGH)
        if port in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(('0.0.0.0', port))
            except OSError:
                continue
        _given.add(port)
        return port
    raise RuntimeError('no free port below the ephemeral range')


def unique_name(prefix: str = 'test') -> str:
    return f'{prefix}_{uuid.uuid4().hex[:12]}'


def make_persistence(kind: str, classes: dict, tmp_path, mongo_uri: str, name: str, postgres_uri: str = None):
    """One persistence of a domain, configured for a test: ``classes`` maps memory/file/mongodb/postgres to
    types. On MongoDB a database of its own, on PostgreSQL tables of its own (a fresh table prefix)."""
    persistence = classes[kind]()
    if kind == 'file':
        persistence.configure(ConfigParams.from_tuples('path', str(tmp_path / f'{name}.json')))
    elif kind == 'mongodb':
        persistence.configure(ConfigParams.from_tuples('connection.uri', mongo_uri,
                                                       'connection.database', unique_name('db')))
    elif kind == 'postgres':
        persistence.configure(ConfigParams.from_tuples('connection.uri', postgres_uri,
                                                       'table_prefix', unique_name('t') + '_'))
    persistence.open(None)
    return persistence


@contextlib.contextmanager
def running_container(**params) -> Iterator[str]:
    """The real BackgroundProcess, configured by the packaged config.yml with ``params`` as its
    environment, serving on a free loopback port. Yields the base URL."""
    from service_background.container import BackgroundProcess
    port = free_port()
    values = {'HTTP_HOST': '127.0.0.1', 'HTTP_PORT': str(port), 'HTTP_FUNC_LISTEN': str(free_port()),
              'LOG_LEVEL': 'error'}
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


def persistence_fixture(classes: dict, name: str):
    """A pytest fixture giving a domain's persistence on memory, files, the MongoDB-wire server and PostgreSQL
    in turn (each kind ``classes`` names): the one persistence fixture each domain runs its persistence tests
    through."""
    import pytest

    @pytest.fixture(params=[kind for kind in ('memory', 'file', 'mongodb', 'postgres') if kind in classes])
    def persistence(request, tmp_path):
        mongo_uri = request.getfixturevalue('mongo_uri') if request.param == 'mongodb' else None
        postgres_uri = request.getfixturevalue('postgres_uri') if request.param == 'postgres' else None
        p = make_persistence(request.param, classes, tmp_path, mongo_uri, name, postgres_uri)
        yield p
        p.close(None)
    return persistence


def open_file_persistence(persistence_class, path, **options):
    """A file persistence at ``path`` with ``options.<key>`` settings, opened."""
    params = ['path', str(path)]
    for key, value in options.items():
        params += [f'options.{key}', value]
    persistence = persistence_class()
    persistence.configure(ConfigParams.from_tuples(*params))
    persistence.open(None)
    return persistence


def open_http_client(client_class, base_url: str):
    """A commandable HTTP client of any domain, pointed at a running container."""
    client = client_class()
    port = int(base_url.rsplit(':', 1)[1])
    client.configure(ConfigParams.from_tuples('connection.protocol', 'http', 'connection.host', '127.0.0.1',
                                              'connection.port', port))
    client.open(None)
    return client


def wire(*pairs):
    """References built from (descriptor, component) pairs, set on every component and opened in order,
    as the container does. Returns the components."""
    from pip_services3_commons.refer import IReferenceable, References
    from pip_services3_commons.run import IOpenable
    references = References.from_tuples(*pairs)
    components = list(pairs[1::2])
    for component in components:
        if isinstance(component, IReferenceable):
            component.set_references(references)
    for component in components:
        if isinstance(component, IOpenable) and not component.is_open():
            component.open(None)
    return components


def patch_file_syncs(monkeypatch, fn):
    """Replaces os.fsync and os.fdatasync (what journals sync appends with) by ``fn`` for one test."""
    monkeypatch.setattr(os, 'fsync', fn)
    if hasattr(os, 'fdatasync'):
        monkeypatch.setattr(os, 'fdatasync', fn)
