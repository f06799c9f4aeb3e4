"""The jobs controller's optional features, found by descriptor in set_references: queue pauses, queue
limits, batches, job logs, the live workers and the metrics' jobs tracker, each its null object when not
configured; and the tracing of jobs (spans only when OpenTelemetry is configured)."""
from pip_services3_commons.refer import Descriptor, IReferences

from service_background.jobs.logic.job_tracing import JobTracing
from service_background.jobs.logic.null_features import (
    NO_BATCHES,
    NO_LIMITS,
    NO_LOGS,
    NO_METRICS,
    NO_PAUSES,
    NO_WORKERS,
)

PAUSES = Descriptor('service-background-jobs', 'pauses', '*', '*', '1.0')
LIMITS = Descriptor('service-background-jobs', 'limits', '*', '*', '1.0')
BATCHES = Descriptor('service-background-jobs', 'batches', '*', '*', '1.0')
LOGS = Descriptor('service-background-jobs', 'logs', '*', '*', '1.0')
WORKERS = Descriptor('service-background-jobs', 'workers', '*', '*', '1.0')
METRICS = Descriptor('service-background', 'counters', 'prometheus', '*', '1.0')  # its ``jobs`` tracker


class JobsFeatures:

    def __init__(self):
        self.pauses, self.limits, self.batches, self.metrics = NO_PAUSES, NO_LIMITS, NO_BATCHES, NO_METRICS
        self.logs, self.workers = NO_LOGS, NO_WORKERS
        self.tracing = JobTracing()

    def resolve(self, references: IReferences):
        """The features ``references`` hold; one found by an earlier call stays when these lack it."""
        self.pauses = references.get_one_optional(PAUSES) or self.pauses
        self.limits = references.get_one_optional(LIMITS) or self.limits
        self.batches = references.get_one_optional(BATCHES) or self.batches
        self.logs = references.get_one_optional(LOGS) or self.logs
        self.workers = references.get_one_optional(WORKERS) or self.workers
        metrics = references.get_one_optional(METRICS)
        self.metrics = metrics.jobs if metrics is not None else self.metrics
