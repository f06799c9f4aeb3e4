from .cron_dispatches_file_persistence import CronDispatchesFilePersistence
from .cron_dispatches_memory_persistence import CronDispatchesMemoryPersistence
from .cron_dispatches_mongodb_persistence import CronDispatchesMongoDbPersistence
from .cron_funcs_file_persistence import CronFuncsFilePersistence
from .cron_funcs_memory_persistence import CronFuncsMemoryPersistence
from .cron_funcs_mongodb_persistence import CronFuncsMongoDbPersistence
from .cron_groups_file_persistence import CronGroupsFilePersistence
from .cron_groups_memory_persistence import CronGroupsMemoryPersistence
from .cron_groups_mongodb_persistence import CronGroupsMongoDbPersistence
from .cron_jobs_file_persistence import CronJobsFilePersistence
from .cron_jobs_memory_persistence import CronJobsMemoryPersistence
from .cron_jobs_mongodb_persistence import CronJobsMongoDbPersistence
from .cron_nodes_file_persistence import CronNodesFilePersistence
from .cron_nodes_memory_persistence import CronNodesMemoryPersistence
from .cron_nodes_mongodb_persistence import CronNodesMongoDbPersistence
from .cron_runs_file_persistence import CronRunsFilePersistence
from .cron_runs_memory_persistence import CronRunsMemoryPersistence
from .cron_runs_mongodb_persistence import CronRunsMongoDbPersistence
from .i_cron_dispatches_persistence import ICronDispatchesPersistence
from .i_cron_funcs_persistence import ICronFuncsPersistence
from .i_cron_groups_persistence import ICronGroupsPersistence
from .i_cron_jobs_persistence import ICronJobsPersistence
from .i_cron_nodes_persistence import ICronNodesPersistence
from .i_cron_runs_persistence import ICronRunsPersistence

__all__ = ['ICronGroupsPersistence', 'CronGroupsMemoryPersistence', 'CronGroupsFilePersistence',
           'CronGroupsMongoDbPersistence', 'ICronJobsPersistence', 'CronJobsMemoryPersistence',
           'CronJobsFilePersistence', 'CronJobsMongoDbPersistence', 'ICronRunsPersistence',
           'CronRunsMemoryPersistence', 'CronRunsFilePersistence', 'CronRunsMongoDbPersistence',
           'ICronNodesPersistence', 'CronNodesMemoryPersistence', 'CronNodesFilePersistence',
           'CronNodesMongoDbPersistence', 'ICronDispatchesPersistence', 'CronDispatchesMemoryPersistence',
           'CronDispatchesFilePersistence', 'CronDispatchesMongoDbPersistence', 'ICronFuncsPersistence',
           'CronFuncsMemoryPersistence', 'CronFuncsFilePersistence', 'CronFuncsMongoDbPersistence']
