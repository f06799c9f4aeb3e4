import pytest

from .helpers import running_container
from .mongo_server import MongoServer


@pytest.fixture(scope='session')
def mongo_uri():
    server = MongoServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def memory_service():
    """The whole container on memory persistences; yields its base URL."""
    with running_container(MEMORY_ENABLED='true') as url:
        yield url


@pytest.fixture
def file_service_factory(tmp_path):
    """Starts containers on file persistences under one temp folder (for restart tests)."""
    def start():
        return running_container(DATA_DIR=str(tmp_path / 'data'))
    return start
