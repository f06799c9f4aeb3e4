"""NamespaceV1, a named pool of tasks."""
from typing import Optional

from service_background.common.data.data_object import DataObjectV1


class NamespaceV1(DataObjectV1):
    """A named pool of tasks; deregistering it removes its tasks."""

    def __init__(self, id: Optional[str] = None):
        self.id = id
