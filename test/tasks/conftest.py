from service_background.tasks.persistence import (TasksFilePersistence, TasksMemoryPersistence,
                                                  TasksMongoDbPersistence)

from ..helpers import persistence_fixture

# the tasks persistence on memory, on files and on the MongoDB-wire server
persistence = persistence_fixture({'memory': TasksMemoryPersistence, 'file': TasksFilePersistence,
                                   'mongodb': TasksMongoDbPersistence}, 'tasks')
