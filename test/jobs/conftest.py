import pytest

from service_background.jobs.persistence import JobsFilePersistence, JobsMemoryPersistence, JobsMongoDbPersistence

from ..helpers import make_persistence

CLASSES = {'memory': JobsMemoryPersistence, 'file': JobsFilePersistence, 'mongodb': JobsMongoDbPersistence}


@pytest.fixture(params=['memory', 'file', 'mongodb'])
def persistence(request, tmp_path):
    """The jobs persistence fixture: every test using it runs on memory, file and MongoDB."""
    mongo_uri = request.getfixturevalue('mongo_uri') if request.param == 'mongodb' else None
    p = make_persistence(request.param, CLASSES, tmp_path, mongo_uri, 'jobs')
    yield p
    p.close(None)
