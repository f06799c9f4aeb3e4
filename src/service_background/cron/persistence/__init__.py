"""The cron domain's stores: an interface per kind of record, each on memory, file, MongoDB and PostgreSQL."""
from service_background.cron.persistence.cron_dispatches_file_persistence import CronDispatchesFilePersistence
from service_background.cron.persistence.cron_dispatches_memory_persistence import CronDispatchesMemoryPersistence
from service_background.cron.persistence.cron_dispatches_mongodb_persistence import CronDispatchesMongoDbPersistence
from service_background.cron.persistence.cron_dispatches_postgres_persistence import CronDispatchesPostgresPersistence
from service_background.cron.persistence.cron_funcs_file_persistence import CronFuncsFilePersistence
from service_background.cron.persistence.cron_funcs_memory_persistence import CronFuncsMemoryPersistence
from service_background.cron.persistence.cron_funcs_mongodb_persistence import CronFuncsMongoDbPersistence
from service_background.cron.persistence.cron_funcs_postgres_persistence import CronFuncsPostgresPersistence
from service_background.cron.persistence.cron_groups_file_persistence import CronGroupsFilePersistence
from service_background.cron.persistence.cron_groups_memory_persistence import CronGroupsMemoryPersistence
from service_background.cron.persistence.cron_groups_mongodb_persistence import CronGroupsMongoDbPersistence
from service_background.cron.persistence.cron_groups_postgres_persistence import CronGroupsPostgresPersistence
from service_background.cron.persistence.cron_jobs_file_persistence import CronJobsFilePersistence
from service_background.cron.persistence.cron_jobs_memory_persistence import CronJobsMemoryPersistence
from service_background.cron.persistence.cron_jobs_mongodb_persistence import CronJobsMongoDbPersistence
from service_background.cron.persistence.cron_jobs_postgres_persistence import CronJobsPostgresPersistence
from service_background.cron.persistence.cron_nodes_file_persistence import CronNodesFilePersistence
from service_background.cron.persistence.cron_nodes_memory_persistence import CronNodesMemoryPersistence
from service_background.cron.persistence.cron_nodes_mongodb_persistence import CronNodesMongoDbPersistence
from service_background.cron.persistence.cron_nodes_postgres_persistence import CronNodesPostgresPersistence
from service_background.cron.persistence.cron_runs_file_persistence import CronRunsFilePersistence
from service_background.cron.persistence.cron_runs_memory_persistence import CronRunsMemoryPersistence
from service_background.cron.persistence.cron_runs_mongodb_persistence import CronRunsMongoDbPersistence
from service_background.cron.persistence.cron_runs_postgres_persistence import CronRunsPostgresPersistence
from service_background.cron.persistence.i_cron_dispatches_persistence import ICronDispatchesPersistence
from service_background.cron.persistence.i_cron_funcs_persistence import ICronFuncsPersistence
from service_background.cron.persistence.i_cron_groups_persistence import ICronGroupsPersistence
from service_background.cron.persistence.i_cron_jobs_persistence import ICronJobsPersistence
from service_background.cron.persistence.i_cron_nodes_persistence import ICronNodesPersistence
from service_background.cron.persistence.i_cron_runs_persistence import ICronRunsPersistence

__all__ = ['ICronGroupsPersistence', 'CronGroupsMemoryPersistence', 'CronGroupsFilePersistence',
           'CronGroupsMongoDbPersistence', 'CronGroupsPostgresPersistence', 'ICronJobsPersistence',
           'CronJobsMemoryPersistence', 'CronJobsFilePersistence', 'CronJobsMongoDbPersistence',
           'CronJobsPostgresPersistence', 'ICronRunsPersistence', 'CronRunsMemoryPersistence',
           'CronRunsFilePersistence', 'CronRunsMongoDbPersistence', 'CronRunsPostgresPersistence',
           'ICronNodesPersistence', 'CronNodesMemoryPersistence', 'CronNodesFilePersistence',
           'CronNodesMongoDbPersistence', 'CronNodesPostgresPersistence', 'ICronDispatchesPersistence',
           'CronDispatchesMemoryPersistence', 'CronDispatchesFilePersistence', 'CronDispatchesMongoDbPersistence',
           'CronDispatchesPostgresPersistence', 'ICronFuncsPersistence', 'CronFuncsMemoryPersistence',
           'CronFuncsFilePersistence', 'CronFuncsMongoDbPersistence', 'CronFuncsPostgresPersistence']
