from .i_jobs_persistence import IJobsPersistence
from .jobs_file_persistence import JobsFilePersistence
from .jobs_memory_persistence import JobsMemoryPersistence
from .jobs_mongodb_persistence import JobsMongoDbPersistence

__all__ = ['IJobsPersistence', 'JobsMemoryPersistence', 'JobsFilePersistence', 'JobsMongoDbPersistence']
