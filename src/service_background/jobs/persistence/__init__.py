"""The jobs domain's stores: jobs, paused queues, queue limits, batches and job logs, each in memory, file,
MongoDB and PostgreSQL; live workers in memory, MongoDB and PostgreSQL."""
from service_background.jobs.persistence.i_job_batches_persistence import IJobBatchesPersistence
from service_background.jobs.persistence.i_job_logs_persistence import IJobLogsPersistence
from service_background.jobs.persistence.i_job_workers_persistence import IJobWorkersPersistence
from service_background.jobs.persistence.i_jobs_persistence import IJobsPersistence
from service_background.jobs.persistence.i_queue_limits_persistence import IQueueLimitsPersistence
from service_background.jobs.persistence.i_queue_pauses_persistence import IQueuePausesPersistence
from service_background.jobs.persistence.job_batches_file_persistence import JobBatchesFilePersistence
from service_background.jobs.persistence.job_batches_memory_persistence import JobBatchesMemoryPersistence
from service_background.jobs.persistence.job_batches_mongodb_persistence import JobBatchesMongoDbPersistence
from service_background.jobs.persistence.job_batches_postgres_persistence import JobBatchesPostgresPersistence
from service_background.jobs.persistence.job_logs_file_persistence import JobLogsFilePersistence
from service_background.jobs.persistence.job_logs_memory_persistence import JobLogsMemoryPersistence
from service_background.jobs.persistence.job_logs_mongodb_persistence import JobLogsMongoDbPersistence
from service_background.jobs.persistence.job_logs_postgres_persistence import JobLogsPostgresPersistence
from service_background.jobs.persistence.job_workers_memory_persistence import JobWorkersMemoryPersistence
from service_background.jobs.persistence.job_workers_mongodb_persistence import JobWorkersMongoDbPersistence
from service_background.jobs.persistence.job_workers_postgres_persistence import JobWorkersPostgresPersistence
from service_background.jobs.persistence.jobs_file_persistence import JobsFilePersistence
from service_background.jobs.persistence.jobs_memory_persistence import JobsMemoryPersistence
from service_background.jobs.persistence.jobs_mongodb_persistence import JobsMongoDbPersistence
from service_background.jobs.persistence.jobs_postgres_persistence import JobsPostgresPersistence
from service_background.jobs.persistence.queue_limits_file_persistence import QueueLimitsFilePersistence
from service_background.jobs.persistence.queue_limits_memory_persistence import QueueLimitsMemoryPersistence
from service_background.jobs.persistence.queue_limits_mongodb_persistence import QueueLimitsMongoDbPersistence
from service_background.jobs.persistence.queue_limits_postgres_persistence import QueueLimitsPostgresPersistence
from service_background.jobs.persistence.queue_pauses_file_persistence import QueuePausesFilePersistence
from service_background.jobs.persistence.queue_pauses_memory_persistence import QueuePausesMemoryPersistence
from service_background.jobs.persistence.queue_pauses_mongodb_persistence import QueuePausesMongoDbPersistence
from service_background.jobs.persistence.queue_pauses_postgres_persistence import QueuePausesPostgresPersistence

__all__ = ['IJobsPersistence', 'JobsMemoryPersistence', 'JobsFilePersistence', 'JobsMongoDbPersistence',
           'JobsPostgresPersistence',
           'IQueuePausesPersistence', 'QueuePausesMemoryPersistence', 'QueuePausesFilePersistence',
           'QueuePausesMongoDbPersistence', 'QueuePausesPostgresPersistence', 'IQueueLimitsPersistence',
           'QueueLimitsMemoryPersistence', 'QueueLimitsFilePersistence', 'QueueLimitsMongoDbPersistence',
           'QueueLimitsPostgresPersistence', 'IJobBatchesPersistence', 'JobBatchesMemoryPersistence',
           'JobBatchesFilePersistence', 'JobBatchesMongoDbPersistence', 'JobBatchesPostgresPersistence',
           'IJobLogsPersistence', 'JobLogsMemoryPersistence', 'JobLogsFilePersistence', 'JobLogsMongoDbPersistence',
           'JobLogsPostgresPersistence', 'IJobWorkersPersistence', 'JobWorkersMemoryPersistence',
           'JobWorkersMongoDbPersistence', 'JobWorkersPostgresPersistence']
