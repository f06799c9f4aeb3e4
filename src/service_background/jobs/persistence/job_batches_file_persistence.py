"""The job batches in memory, made durable by a journal file."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.jobs.persistence.job_batches_memory_persistence import JobBatchesMemoryPersistence


class JobBatchesFilePersistence(JobBatchesMemoryPersistence):
    """Configure ``path`` (default ./data/job_batches.json)."""

    def __init__(self, path: str = './data/job_batches.json'):
        super().__init__()
        self._journal = FileJournal(path)
