from service_background.jobs.persistence.i_jobs_persistence import IJobsPersistence
from service_background.jobs.persistence.jobs_file_persistence import JobsFilePersistence
from service_background.jobs.persistence.jobs_memory_persistence import JobsMemoryPersistence
from service_background.jobs.persistence.jobs_mongodb_persistence import JobsMongoDbPersistence

__all__ = ['IJobsPersistence', 'JobsMemoryPersistence', 'JobsFilePersistence', 'JobsMongoDbPersistence']
