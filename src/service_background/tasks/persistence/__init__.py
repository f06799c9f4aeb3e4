"""The tasks stores: the interface and its memory, file, MongoDB and PostgreSQL implementations."""
from service_background.tasks.persistence.i_tasks_persistence import ITasksPersistence
from service_background.tasks.persistence.tasks_file_persistence import TasksFilePersistence
from service_background.tasks.persistence.tasks_memory_persistence import TasksMemoryPersistence
from service_background.tasks.persistence.tasks_mongodb_persistence import TasksMongoDbPersistence
from service_background.tasks.persistence.tasks_postgres_persistence import TasksPostgresPersistence

__all__ = ['ITasksPersistence', 'TasksMemoryPersistence', 'TasksFilePersistence', 'TasksMongoDbPersistence',
           'TasksPostgresPersistence']
