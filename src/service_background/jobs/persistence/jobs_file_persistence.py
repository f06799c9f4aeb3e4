"""The memory jobs store made durable by a journal file."""
import os

from service_background.common.persistence.file_journal import FileJournal
from service_background.jobs.persistence.jobs_memory_persistence import JobsMemoryPersistence


class JobsFilePersistence(JobsMemoryPersistence):
    """Memory persistence made durable by a journal (every write fsynced before it returns);
    configure ``path`` (default ./data/jobs.json). Indexes are rebuilt on load (group turns and the
    fair queues' clocks from the stored jobs' turns)."""

    def __init__(self, path: str = './data/jobs.json'):
        super().__init__()
        self._journal = FileJournal(path)

    def _companion_journal(self, name: str) -> FileJournal:
        """The journal of a companion store beside the jobs file (``jobs.<name>.json``: keys, outbox)."""
        root, ext = os.path.splitext(self._journal.journal_path[:-len('.journal')])
        return FileJournal(f'{root}.{name}{ext or ".json"}')
