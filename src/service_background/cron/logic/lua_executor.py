"""LUA@: exec_command is Lua source whose global function named like the job is called in the
sandboxed runtime (docs/cron_lua.md), held to the job's timeout."""
# Its arguments are (job_id, group, plan_time, exec_time), unix seconds with milliseconds.
from service_background.common.data.clock import now_ms
from service_background.common.data.json_util import to_json
from service_background.cron.data.version1 import CronJobV1
from service_background.cron.logic.cron_executors import MAX_OUTPUT, CronExecution, ExecutionResult, ICronExecutor
from service_background.cron.lua_runtime import LuaRuntime


class LuaExecutor(ICronExecutor):

    def __init__(self, runtime: LuaRuntime):
        self._runtime = runtime

    @property
    def prefix(self) -> str:
        return 'LUA@'

    def validate(self, job: CronJobV1) -> None:
        source = job.exec_command or ''
        if not source.strip():
            raise ValueError('exec_command: a LUA@ job needs its Lua source here')
        error = self._runtime.check_syntax(source)
        if error is not None:
            raise ValueError(f'exec_command: {error}')

    def execute(self, execution: CronExecution) -> ExecutionResult:
        job = execution.job
        timeout = float(job.timeout)
        args = [job.job_id, job.group_name, execution.planned_ms / 1000.0, now_ms() / 1000.0]
        result = self._runtime.call(job.exec_command, job.name, args, timeout_s=timeout)
        output = result.output or ''
        if result.ok and result.value is not None:
            output += '=> ' + to_json(result.value)  # the function's return value, as JSON
        output = output[-MAX_OUTPUT:] if output else None
        if result.timed_out:
            return ExecutionResult(False, None, f'timeout after {timeout:g}s', output)
        return ExecutionResult(result.ok, None, result.error, output)
