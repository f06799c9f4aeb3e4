"""The service's spans for jobs (enqueue, take, finish): no-ops until OpenTelemetry is configured."""
from typing import List, Optional

from service_background.jobs.data.version1 import JobV1


class JobTracing:

    def enqueued(self, jobs: List[Optional[JobV1]]) -> None:
        """Jobs were added."""

    def taken(self, jobs: List[JobV1]) -> None:
        """Jobs were handed to a worker."""

    def finished(self, jobs: List[Optional[JobV1]]) -> None:
        """Jobs reached a finished state."""
