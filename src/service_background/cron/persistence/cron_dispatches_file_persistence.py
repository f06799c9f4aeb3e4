from ...common.file_journal import FileJournal
from .cron_dispatches_memory_persistence import CronDispatchesMemoryPersistence


class CronDispatchesFilePersistence(CronDispatchesMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_dispatches.json)."""

    def __init__(self, path: str = './data/cron_dispatches.json'):
        super().__init__()
        self._journal = FileJournal(path)
