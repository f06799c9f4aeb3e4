"""The store of REMOTE@ executions queued for worker nodes in memory, made durable by a file journal."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.cron.persistence.cron_dispatches_memory_persistence import CronDispatchesMemoryPersistence


class CronDispatchesFilePersistence(CronDispatchesMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_dispatches.json)."""

    def __init__(self, path: str = './data/cron_dispatches.json'):
        super().__init__()
        self._journal = FileJournal(path)
