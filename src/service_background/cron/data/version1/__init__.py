"""The cron domain's data classes, version 1."""
from service_background.cron.data.version1.cron_dispatch_v1 import CronDispatchV1
from service_background.cron.data.version1.cron_func_v1 import CronFuncV1
from service_background.cron.data.version1.cron_group_v1 import CronGroupV1
from service_background.cron.data.version1.cron_job_v1 import CronJobV1
from service_background.cron.data.version1.cron_node_v1 import CronNodeV1
from service_background.cron.data.version1.cron_run_v1 import CronRunV1

__all__ = ['CronGroupV1', 'CronJobV1', 'CronRunV1', 'CronNodeV1', 'CronDispatchV1', 'CronFuncV1']
