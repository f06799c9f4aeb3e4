from .cron_command_set import CronCommandSet
from .cron_controller import CronController
from .executors import CronExecution, CronExecutors, ExecutionResult, HttpExecutor, ICronExecutor

__all__ = ['CronController', 'CronCommandSet', 'CronExecutors', 'CronExecution', 'ExecutionResult',
           'HttpExecutor', 'ICronExecutor']
