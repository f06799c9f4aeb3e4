"""The paused queues in memory, made durable by a journal file."""
from service_background.common.persistence.file_journal import FileJournal
from service_background.jobs.persistence.queue_pauses_memory_persistence import QueuePausesMemoryPersistence


class QueuePausesFilePersistence(QueuePausesMemoryPersistence):
    """Configure ``path`` (default ./data/queue_pauses.json)."""

    def __init__(self, path: str = './data/queue_pauses.json'):
        super().__init__()
        self._journal = FileJournal(path)
