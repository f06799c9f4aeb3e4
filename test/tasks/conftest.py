from service_background.tasks.persistence import (
    TasksFilePersistence,
    TasksMemoryPersistence,
    TasksMongoDbPersistence,
    TasksPostgresPersistence,
)

from ..helpers import persistence_fixture

# the tasks persistence on memory, on files, on the MongoDB-wire server and on PostgreSQL
persistence = persistence_fixture({'memory': TasksMemoryPersistence, 'file': TasksFilePersistence,
                                   'mongodb': TasksMongoDbPersistence, 'postgres': TasksPostgresPersistence}, 'tasks')
