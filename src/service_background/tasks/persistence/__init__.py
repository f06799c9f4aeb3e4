from .i_tasks_persistence import ITasksPersistence
from .tasks_file_persistence import TasksFilePersistence
from .tasks_memory_persistence import TasksMemoryPersistence
from .tasks_mongodb_persistence import TasksMongoDbPersistence

__all__ = ['ITasksPersistence', 'TasksMemoryPersistence', 'TasksFilePersistence', 'TasksMongoDbPersistence']
