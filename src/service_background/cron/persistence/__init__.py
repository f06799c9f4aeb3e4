from .cron_groups_file_persistence import CronGroupsFilePersistence
from .cron_groups_memory_persistence import CronGroupsMemoryPersistence
from .cron_groups_mongodb_persistence import CronGroupsMongoDbPersistence
from .cron_jobs_file_persistence import CronJobsFilePersistence
from .cron_jobs_memory_persistence import CronJobsMemoryPersistence
from .cron_jobs_mongodb_persistence import CronJobsMongoDbPersistence
from .cron_runs_file_persistence import CronRunsFilePersistence
from .cron_runs_memory_persistence import CronRunsMemoryPersistence
from .cron_runs_mongodb_persistence import CronRunsMongoDbPersistence
from .i_cron_groups_persistence import ICronGroupsPersistence
from .i_cron_jobs_persistence import ICronJobsPersistence
from .i_cron_runs_persistence import ICronRunsPersistence

__all__ = ['ICronGroupsPersistence', 'CronGroupsMemoryPersistence', 'CronGroupsFilePersistence',
           'CronGroupsMongoDbPersistence', 'ICronJobsPersistence', 'CronJobsMemoryPersistence',
           'CronJobsFilePersistence', 'CronJobsMongoDbPersistence', 'ICronRunsPersistence',
           'CronRunsMemoryPersistence', 'CronRunsFilePersistence', 'CronRunsMongoDbPersistence']
