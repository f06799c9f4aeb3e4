"""The retries store kept in memory and made durable by a journal file."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.retries.persistence.retries_memory_persistence import RetriesMemoryPersistence


class RetriesFilePersistence(RetriesMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/retries.json)."""

    def __init__(self, path: str = './data/retries.json'):
        super().__init__()
        self._journal = FileJournal(path)
