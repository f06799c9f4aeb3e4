"""The job logs in memory, made durable by a journal file: an append is one journal write of its new lines."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.jobs.persistence.job_logs_memory_persistence import JobLogsMemoryPersistence


class JobLogsFilePersistence(JobLogsMemoryPersistence):
    """Configure ``path`` (default ./data/job_logs.json)."""

    def __init__(self, path: str = './data/job_logs.json'):
        super().__init__()
        self._journal = FileJournal(path)
