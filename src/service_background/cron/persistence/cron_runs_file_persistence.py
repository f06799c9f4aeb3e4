"""The store of the run history of cron jobs in memory, made durable by a file journal."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.cron.persistence.cron_runs_memory_persistence import CronRunsMemoryPersistence


class CronRunsFilePersistence(CronRunsMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_runs.json)."""

    def __init__(self, path: str = './data/cron_runs.json'):
        super().__init__()
        self._journal = FileJournal(path)
