"""The jobs domain's stores: jobs, paused queues, queue limits and batches, each in memory, file and MongoDB."""
from service_background.jobs.persistence.i_job_batches_persistence import IJobBatchesPersistence
from service_background.jobs.persistence.i_jobs_persistence import IJobsPersistence
from service_background.jobs.persistence.i_queue_limits_persistence import IQueueLimitsPersistence
from service_background.jobs.persistence.i_queue_pauses_persistence import IQueuePausesPersistence
from service_background.jobs.persistence.job_batches_file_persistence import JobBatchesFilePersistence
from service_background.jobs.persistence.job_batches_memory_persistence import JobBatchesMemoryPersistence
from service_background.jobs.persistence.job_batches_mongodb_persistence import JobBatchesMongoDbPersistence
from service_background.jobs.persistence.jobs_file_persistence import JobsFilePersistence
from service_background.jobs.persistence.jobs_memory_persistence import JobsMemoryPersistence
from service_background.jobs.persistence.jobs_mongodb_persistence import JobsMongoDbPersistence
from service_background.jobs.persistence.queue_limits_file_persistence import QueueLimitsFilePersistence
from service_background.jobs.persistence.queue_limits_memory_persistence import QueueLimitsMemoryPersistence
from service_background.jobs.persistence.queue_limits_mongodb_persistence import QueueLimitsMongoDbPersistence
from service_background.jobs.persistence.queue_pauses_file_persistence import QueuePausesFilePersistence
from service_background.jobs.persistence.queue_pauses_memory_persistence import QueuePausesMemoryPersistence
from service_background.jobs.persistence.queue_pauses_mongodb_persistence import QueuePausesMongoDbPersistence

__all__ = ['IJobsPersistence', 'JobsMemoryPersistence', 'JobsFilePersistence', 'JobsMongoDbPersistence',
           'IQueuePausesPersistence', 'QueuePausesMemoryPersistence', 'QueuePausesFilePersistence',
           'QueuePausesMongoDbPersistence', 'IQueueLimitsPersistence', 'QueueLimitsMemoryPersistence',
           'QueueLimitsFilePersistence', 'QueueLimitsMongoDbPersistence', 'IJobBatchesPersistence',
           'JobBatchesMemoryPersistence', 'JobBatchesFilePersistence', 'JobBatchesMongoDbPersistence']
