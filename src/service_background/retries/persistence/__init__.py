"""The retries stores: the interface and its memory, file, MongoDB and PostgreSQL implementations."""
from service_background.retries.persistence.i_retries_persistence import IRetriesPersistence
from service_background.retries.persistence.retries_file_persistence import RetriesFilePersistence
from service_background.retries.persistence.retries_memory_persistence import RetriesMemoryPersistence
from service_background.retries.persistence.retries_mongodb_persistence import RetriesMongoDbPersistence
from service_background.retries.persistence.retries_postgres_persistence import RetriesPostgresPersistence

__all__ = ['IRetriesPersistence', 'RetriesMemoryPersistence', 'RetriesFilePersistence',
           'RetriesMongoDbPersistence', 'RetriesPostgresPersistence']
