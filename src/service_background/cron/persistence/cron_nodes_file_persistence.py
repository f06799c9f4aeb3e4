from ...common.file_journal import FileJournal
from .cron_nodes_memory_persistence import CronNodesMemoryPersistence


class CronNodesFilePersistence(CronNodesMemoryPersistence):
    """Memory persistence made durable by a journal; configure ``path`` (default ./data/cron_nodes.json)."""

    def __init__(self, path: str = './data/cron_nodes.json'):
        super().__init__()
        self._journal = FileJournal(path)
