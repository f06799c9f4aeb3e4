"""The store of cron jobs and their claimed runs in memory, made durable by a file journal."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.cron.persistence.cron_jobs_memory_persistence import CronJobsMemoryPersistence


class CronJobsFilePersistence(CronJobsMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_jobs.json)."""

    def __init__(self, path: str = './data/cron_jobs.json'):
        super().__init__()
        self._journal = FileJournal(path)
