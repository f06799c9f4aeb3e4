"""The tasks store kept in memory and made durable by two journal files (tasks, namespaces)."""
import os

from pip_services3_commons.config import ConfigParams

from service_background.common.persistence.file_journal import FileJournal
from service_background.tasks.persistence.tasks_memory_persistence import TasksMemoryPersistence


def namespaces_path(path: str) -> str:
    root, ext = os.path.splitext(path)
    return f'{root}_namespaces{ext or ".json"}'


class TasksFilePersistence(TasksMemoryPersistence):
    """Memory persistence made durable by two journals: tasks at ``path`` (default ./data/tasks.json),
    namespaces next to it (./data/tasks_namespaces.json), or at ``namespaces_path``."""

    def __init__(self, path: str = './data/tasks.json'):
        super().__init__(namespaces_journal=FileJournal(namespaces_path(path)))
        self._journal = FileJournal(path)

    def configure(self, config: ConfigParams):
        self._journal.configure(config)
        path = config.get_as_nullable_string('path')
        ns_path = config.get_as_nullable_string('namespaces_path') or (namespaces_path(path) if path else None)
        ns_config = ConfigParams(config)
        if ns_path:
            ns_config.set_as_object('path', ns_path)
        self._namespaces.configure(ns_config)
