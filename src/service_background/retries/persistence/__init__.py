from service_background.retries.persistence.i_retries_persistence import IRetriesPersistence
from service_background.retries.persistence.retries_file_persistence import RetriesFilePersistence
from service_background.retries.persistence.retries_memory_persistence import RetriesMemoryPersistence
from service_background.retries.persistence.retries_mongodb_persistence import RetriesMongoDbPersistence

__all__ = ['IRetriesPersistence', 'RetriesMemoryPersistence', 'RetriesFilePersistence',
           'RetriesMongoDbPersistence']
