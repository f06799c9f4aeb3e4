"""The store of published Lua functions in memory, made durable by a file journal."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.cron.persistence.cron_funcs_memory_persistence import CronFuncsMemoryPersistence


class CronFuncsFilePersistence(CronFuncsMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_funcs.json)."""

    def __init__(self, path: str = './data/cron_funcs.json'):
        super().__init__()
        self._journal = FileJournal(path)
