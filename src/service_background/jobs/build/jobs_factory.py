"""The jobs domain's one factory: every component config.yml names under ``service-background-jobs``
(persistences, controller, features and their stores, services, clients)."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.jobs.clients.version1 import JobsDirectClientV1, JobsHttpClientV1
from service_background.jobs.logic import JobsController
from service_background.jobs.logic.job_batches import JobBatches
from service_background.jobs.logic.job_logs import JobLogs
from service_background.jobs.logic.job_workers import JobWorkers
from service_background.jobs.logic.queue_limits import QueueLimits
from service_background.jobs.logic.queue_pauses import QueuePauses
from service_background.jobs.persistence import (
    JobBatchesFilePersistence,
    JobBatchesMemoryPersistence,
    JobBatchesMongoDbPersistence,
    JobBatchesPostgresPersistence,
    JobLogsFilePersistence,
    JobLogsMemoryPersistence,
    JobLogsMongoDbPersistence,
    JobLogsPostgresPersistence,
    JobsFilePersistence,
    JobsMemoryPersistence,
    JobsMongoDbPersistence,
    JobsPostgresPersistence,
    JobWorkersMemoryPersistence,
    JobWorkersMongoDbPersistence,
    JobWorkersPostgresPersistence,
    QueueLimitsFilePersistence,
    QueueLimitsMemoryPersistence,
    QueueLimitsMongoDbPersistence,
    QueueLimitsPostgresPersistence,
    QueuePausesFilePersistence,
    QueuePausesMemoryPersistence,
    QueuePausesMongoDbPersistence,
    QueuePausesPostgresPersistence,
)
from service_background.jobs.services.version1 import JobsCommandableHttpServiceV1, JobsRestServiceV1


def _descriptor(kind: str, name: str) -> Descriptor:
    return Descriptor('service-background-jobs', kind, name, '*', '1.0')


class JobsFactory(Factory):
    MemoryPersistenceDescriptor = _descriptor('persistence', 'memory')
    FilePersistenceDescriptor = _descriptor('persistence', 'file')
    MongoDbPersistenceDescriptor = _descriptor('persistence', 'mongodb')
    PostgresPersistenceDescriptor = _descriptor('persistence', 'postgres')
    ControllerDescriptor = _descriptor('controller', 'default')
    PausesDescriptor = _descriptor('pauses', 'default')
    LimitsDescriptor = _descriptor('limits', 'default')
    BatchesDescriptor = _descriptor('batches', 'default')
    LogsDescriptor = _descriptor('logs', 'default')
    WorkersDescriptor = _descriptor('workers', 'default')
    HttpServiceV1Descriptor = _descriptor('service', 'commandable-http')
    RestServiceV1Descriptor = _descriptor('service', 'rest')
    DirectClientV1Descriptor = _descriptor('client', 'direct')
    HttpClientV1Descriptor = _descriptor('client', 'commandable-http')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.MemoryPersistenceDescriptor, JobsMemoryPersistence)
        self.register_as_type(self.FilePersistenceDescriptor, JobsFilePersistence)
        self.register_as_type(self.MongoDbPersistenceDescriptor, JobsMongoDbPersistence)
        self.register_as_type(self.PostgresPersistenceDescriptor, JobsPostgresPersistence)
        self.register_as_type(self.ControllerDescriptor, JobsController)
        self.register_as_type(self.PausesDescriptor, QueuePauses)
        self.register_as_type(self.LimitsDescriptor, QueueLimits)
        self.register_as_type(self.BatchesDescriptor, JobBatches)
        self.register_as_type(self.LogsDescriptor, JobLogs)
        self.register_as_type(self.WorkersDescriptor, JobWorkers)
        for kind, stores in (('persistence-pauses', (QueuePausesMemoryPersistence, QueuePausesFilePersistence,
                                                     QueuePausesMongoDbPersistence, QueuePausesPostgresPersistence)),
                             ('persistence-limits', (QueueLimitsMemoryPersistence, QueueLimitsFilePersistence,
                                                     QueueLimitsMongoDbPersistence, QueueLimitsPostgresPersistence)),
                             ('persistence-batches', (JobBatchesMemoryPersistence, JobBatchesFilePersistence,
                                                      JobBatchesMongoDbPersistence, JobBatchesPostgresPersistence)),
                             ('persistence-logs', (JobLogsMemoryPersistence, JobLogsFilePersistence,
                                                   JobLogsMongoDbPersistence, JobLogsPostgresPersistence)),
                             # live state: the file store's service keeps its workers in memory
                             ('persistence-workers', (JobWorkersMemoryPersistence, JobWorkersMemoryPersistence,
                                                      JobWorkersMongoDbPersistence, JobWorkersPostgresPersistence))):
            for name, store in zip(('memory', 'file', 'mongodb', 'postgres'), stores):
                self.register_as_type(_descriptor(kind, name), store)
        self.register_as_type(self.HttpServiceV1Descriptor, JobsCommandableHttpServiceV1)
        self.register_as_type(self.RestServiceV1Descriptor, JobsRestServiceV1)
        self.register_as_type(self.DirectClientV1Descriptor, JobsDirectClientV1)
        self.register_as_type(self.HttpClientV1Descriptor, JobsHttpClientV1)
