"""The queue limits in memory, made durable by a journal file."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.jobs.persistence.queue_limits_memory_persistence import QueueLimitsMemoryPersistence


class QueueLimitsFilePersistence(QueueLimitsMemoryPersistence):
    """Configure ``path`` (default ./data/queue_limits.json)."""

    def __init__(self, path: str = './data/queue_limits.json'):
        super().__init__()
        self._journal = FileJournal(path)
