import pytest

from service_background.tasks.persistence import (TasksFilePersistence, TasksMemoryPersistence,
                                                  TasksMongoDbPersistence)

from ..helpers import make_persistence

CLASSES = {'memory': TasksMemoryPersistence, 'file': TasksFilePersistence, 'mongodb': TasksMongoDbPersistence}


@pytest.fixture(params=['memory', 'file', 'mongodb'])
def persistence(request, tmp_path):
    """The tasks persistence on memory, on files and on the MongoDB-wire server."""
    mongo_uri = request.getfixturevalue('mongo_uri') if request.param == 'mongodb' else None
    p = make_persistence(request.param, CLASSES, tmp_path, mongo_uri, 'tasks')
    yield p
    p.close(None)
