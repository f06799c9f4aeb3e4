"""The cron domain's logic: controller, runner and scheduler, executors, nodes, functions, archives."""
from service_background.cron.logic.cron_command_set import CronCommandSet
from service_background.cron.logic.cron_controller import CronController
from service_background.cron.logic.cron_executors import CronExecution, CronExecutors, ExecutionResult, ICronExecutor
from service_background.cron.logic.http_executor import HttpExecutor

__all__ = ['CronController', 'CronCommandSet', 'CronExecutors', 'CronExecution', 'ExecutionResult',
           'HttpExecutor', 'ICronExecutor']
