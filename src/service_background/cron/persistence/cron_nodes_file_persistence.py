"""The store of registered worker nodes in memory, made durable by a file journal."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.cron.persistence.cron_nodes_memory_persistence import CronNodesMemoryPersistence


class CronNodesFilePersistence(CronNodesMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_nodes.json)."""

    def __init__(self, path: str = './data/cron_nodes.json'):
        super().__init__()
        self._journal = FileJournal(path)
