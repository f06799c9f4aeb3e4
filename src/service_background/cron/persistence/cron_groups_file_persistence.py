"""The store of cron groups in memory, made durable by a file journal."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.cron.persistence.cron_groups_memory_persistence import CronGroupsMemoryPersistence


class CronGroupsFilePersistence(CronGroupsMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_groups.json)."""

    def __init__(self, path: str = './data/cron_groups.json'):
        super().__init__()
        self._journal = FileJournal(path)
