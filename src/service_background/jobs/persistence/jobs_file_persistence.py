"""The memory jobs store made durable by a journal file."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.jobs.persistence.jobs_memory_persistence import JobsMemoryPersistence


class JobsFilePersistence(JobsMemoryPersistence):
    """Memory persistence made durable by a journal (every write fsynced before it returns);
    configure ``path`` (default ./data/jobs.json). Indexes are rebuilt on load."""

    def __init__(self, path: str = './data/jobs.json'):
        super().__init__()
        self._journal = FileJournal(path)
