from service_background.cron.logic.cron_command_set import CronCommandSet
from service_background.cron.logic.cron_controller import CronController
from service_background.cron.logic.executors import CronExecution, CronExecutors, ExecutionResult, HttpExecutor, ICronExecutor

__all__ = ['CronController', 'CronCommandSet', 'CronExecutors', 'CronExecution', 'ExecutionResult',
           'HttpExecutor', 'ICronExecutor']
