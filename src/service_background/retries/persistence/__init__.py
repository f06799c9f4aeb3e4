from .i_retries_persistence import IRetriesPersistence
from .retries_file_persistence import RetriesFilePersistence
from .retries_memory_persistence import RetriesMemoryPersistence
from .retries_mongodb_persistence import RetriesMongoDbPersistence

__all__ = ['IRetriesPersistence', 'RetriesMemoryPersistence', 'RetriesFilePersistence',
           'RetriesMongoDbPersistence']
