"""The cron controller: the domain's public API over groups, jobs, runs, nodes and functions,
with the runner that fires jobs on time."""
from typing import Callable, List, Optional

import pyotp
from pip_services3_commons.commands import CommandSet, ICommandable
from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.errors import ConflictException, InvalidStateException, NotFoundException
from pip_services3_commons.refer import DependencyResolver, Descriptor, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_components.log import CompositeLogger

from service_background.common.clients.outbound import current_policy
from service_background.common.data import clock
from service_background.common.data.clock import now_ms
from service_background.common.security.attempt_limiter import AttemptLimiter
from service_background.cron.data.version1 import CronGroupV1, CronJobV1, CronRunV1
from service_background.cron.logic import job_rules as rules
from service_background.cron.logic.cron_command_set import CronCommandSet
from service_background.cron.logic.cron_dump import build_archive, read_archive
from service_background.cron.logic.cron_executors import CronExecutors, ICronExecutor
from service_background.cron.logic.cron_func_calls import CronFuncCalls
from service_background.cron.logic.cron_funcs import CronFuncs
from service_background.cron.logic.cron_import import imported_records
from service_background.cron.logic.cron_node_calls import CronNodeCalls, require_object
from service_background.cron.logic.cron_nodes import CronNodeHub
from service_background.cron.logic.cron_runner import CronRunner
from service_background.cron.logic.http_executor import HttpExecutor
from service_background.cron.logic.job_executor import JobExecutor
from service_background.cron.logic.lua_executor import LuaExecutor
from service_background.cron.logic.remote_executor import RemoteExecutor
from service_background.cron.lua_runtime import LuaRuntime
from service_background.cron.persistence import ICronGroupsPersistence, ICronJobsPersistence, ICronRunsPersistence

VERSION = '1.0.0'


class CronController(IConfigurable, IReferenceable, IOpenable, ICommandable):
    """Groups and their scheduled jobs; the CronRunner fires them.

    Configuration: options.workers (executions at once, default 32), options.history_size (runs kept
    per job, default 20), options.reply_url (POSTed every run's outcome; none by default),
    options.reply_timeout (ms, default 5000); Lua: options.lua_memory_mb (64), options.func_timeout (s, 30),
    options.redis_allowed (true), options.redis_allowed_hosts (comma list, empty = any),
    options.lua_processes (sandbox processes at most, 4), options.lua_warm_processes (kept started, 2); nodes:
    options.node_take_window (ms a queued execution waits for its node, 60000), options.node_report_grace
    (ms past the job timeout a node has to report, 10000). Executors: HTTP@, LUA@ and JOB@ (it needs the
    jobs controller in the process) built in, REMOTE@ when the nodes and dispatches persistences are there;
    any component ``service-background-cron:executor:*:*:1.0`` (an ICronExecutor) is added for its prefix.
    Functions need the funcs persistence."""

    _default_config = ConfigParams.from_tuples(
        'dependencies.groups', 'service-background-cron:persistence-groups:*:*:1.0',
        'dependencies.jobs', 'service-background-cron:persistence-jobs:*:*:1.0',
        'dependencies.runs', 'service-background-cron:persistence-runs:*:*:1.0',
        'dependencies.nodes', 'service-background-cron:persistence-nodes:*:*:1.0',
        'dependencies.dispatches', 'service-background-cron:persistence-dispatches:*:*:1.0',
        'dependencies.funcs', 'service-background-cron:persistence-funcs:*:*:1.0',
        'options.workers', 32,
        'options.history_size', 20,
        'options.reply_timeout', 5000)

    def __init__(self):
        self._dependency_resolver = DependencyResolver(self._default_config)
        self._logger = CompositeLogger()
        self._groups: Optional[ICronGroupsPersistence] = None
        self._jobs: Optional[ICronJobsPersistence] = None
        self._runs: Optional[ICronRunsPersistence] = None
        self._executors = CronExecutors()
        self._outbound = None  # the outbound-policy component, else the process's policy
        self._executors.register(HttpExecutor(lambda: self._outbound or current_policy()))
        self._attempts = AttemptLimiter(10, 60.0)
        self._command_set: Optional[CronCommandSet] = None
        self._runner: Optional[CronRunner] = None
        self._options = ConfigParams()
        self._lua: Optional[LuaRuntime] = None
        self._hub: Optional[CronNodeHub] = None
        self._funcs: Optional[CronFuncs] = None
        self._run_observers: List[Callable[[CronRunV1], None]] = []
        self.nodes = CronNodeCalls(lambda: self._hub, self._group)  # worker nodes' calls
        self.functions = CronFuncCalls(lambda: self._funcs, self._group, self._live_group)  # published functions

    def configure(self, config: ConfigParams):
        config = config.set_defaults(self._default_config)
        self._dependency_resolver.configure(config)
        self._options = config.get_section('options')

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        self._dependency_resolver.set_references(references)
        self._groups = self._dependency_resolver.get_one_required('groups')
        self._jobs = self._dependency_resolver.get_one_required('jobs')
        self._runs = self._dependency_resolver.get_one_required('runs')
        self._outbound = references.get_one_optional(Descriptor('service-background', 'outbound-policy', '*', '*',
                                                                '1.0'))
        options = self._options
        # failed OTP / node-token checks per (group, client address) a minute, then 429
        self._attempts = AttemptLimiter(options.get_as_integer_with_default('max_failed_checks', 10), 60.0)
        hosts = [h.strip() for h in (options.get_as_string_with_default('redis_allowed_hosts', '') or '').split(',')]
        self._lua = LuaRuntime(max_memory_mb=max(1, options.get_as_integer_with_default('lua_memory_mb', 64)),
                               redis_allowed=options.get_as_boolean_with_default('redis_allowed', True),
                               redis_allowed_hosts={h for h in hosts if h} or None,
                               processes=max(1, options.get_as_integer_with_default('lua_processes', 4)),
                               warm_processes=max(0, options.get_as_integer_with_default('lua_warm_processes', 2)))
        self._executors.register(LuaExecutor(self._lua))
        # JOB@ enqueues into the jobs domain when it is in the process; without it JOB@ jobs are 400s
        self._executors.register(JobExecutor(references.get_one_optional(
            Descriptor('service-background-jobs', 'controller', 'default', '*', '1.0'))))
        nodes = self._dependency_resolver.get_one_optional('nodes')
        dispatches = self._dependency_resolver.get_one_optional('dispatches')
        if nodes is not None and dispatches is not None:
            self._hub = CronNodeHub(nodes, dispatches, lambda name: self._groups.get_group(None, name), self._logger,
                                    take_window_ms=options.get_as_float_with_default('node_take_window', 60000),
                                    report_grace_ms=options.get_as_float_with_default('node_report_grace', 10000),
                                    attempts=self._attempts)
            self._executors.register(RemoteExecutor(self._hub))
        funcs = self._dependency_resolver.get_one_optional('funcs')
        if funcs is not None:
            self._funcs = CronFuncs(funcs, self._lua, options.get_as_float_with_default('func_timeout', 30),
                                    attempts=self._attempts)
        for executor in references.get_optional(Descriptor('service-background-cron', 'executor', '*', '*', '1.0')):
            if isinstance(executor, ICronExecutor):
                self._executors.register(executor)

    @property
    def executors(self) -> CronExecutors:
        return self._executors

    def add_run_observer(self, observer: Callable[[CronRunV1], None]):
        """``observer(run)`` for every run recorded (fired here or reported by a node), by this runner and
        the ones later opens make."""
        if observer not in self._run_observers:
            self._run_observers.append(observer)
            if self._runner is not None:
                self._runner.add_run_observer(observer)

    @staticmethod
    def is_blocking() -> bool:
        """Cron calls run Lua, build archives and long-poll for nodes: never on the event loop."""
        return True

    def get_command_set(self) -> CommandSet:
        if self._command_set is None:
            self._command_set = CronCommandSet(self)
        return self._command_set

    def is_open(self) -> bool:
        return self._runner is not None

    def open(self, correlation_id: Optional[str]):
        if self._runner is not None:
            return
        options = self._options
        runner = CronRunner(self._jobs, self._groups, self._runs, self._executors, self._logger,
                            workers=max(1, options.get_as_integer_with_default('workers', 32)),
                            history_size=max(1, options.get_as_integer_with_default('history_size', 20)),
                            reply_url=options.get_as_nullable_string('reply_url') or None,
                            reply_timeout=options.get_as_float_with_default('reply_timeout', 5000) / 1000.0)
        for observer in self._run_observers:
            runner.add_run_observer(observer)
        runner.start()
        self._runner = runner
        if self._lua is not None:
            self._lua.open()
        if self._hub is not None:
            self._hub.start(runner.record_run)

    def close(self, correlation_id: Optional[str]):
        if self._hub is not None:
            self._hub.stop()
        if self._runner is not None:
            self._runner.stop()
        self._runner = None
        if self._lua is not None:
            self._lua.close()  # no sandbox process outlives the container

    # --- helpers ----------------------------------------------------------------------------
    def _group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        rules.check_name_rule(correlation_id, 'group_name', group_name)
        group = self._groups.get_group(correlation_id, group_name)
        if group is None:
            raise NotFoundException(correlation_id, 'GROUP_NOT_FOUND', f'Group {group_name} was not found') \
                .with_details('group_name', group_name)
        return group

    def _job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        self._group(correlation_id, group_name)
        rules.check_name_rule(correlation_id, 'job_id', job_id)
        job = self._jobs.get_job(correlation_id, group_name, job_id)
        if job is None:
            raise NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'Job {job_id} in group {group_name} '
                                    f'was not found').with_details('group_name', group_name) \
                .with_details('job_id', job_id)
        return job

    def _live_group(self, group_name: str) -> Optional[CronGroupV1]:
        return self._runner.group(group_name)[0] if self._runner else self._groups.get_group(None, group_name)

    def _first_run(self, job: CronJobV1):
        schedule = rules.check_schedule(None, job.interval_pattern)
        return clock.from_epoch_ms(schedule.first_run(int(round(job.exec_time * 1000)), now_ms()))

    def _save(self, correlation_id: Optional[str], group_name: str, job_id: str, fields: dict) -> CronJobV1:
        """Updates a job and the scheduler together (the caller holds the runner's lock)."""
        job = self._jobs.update_job(correlation_id, group_name, job_id, dict(fields, updated=clock.now()))
        if job is None:
            raise NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'Job {job_id} in group {group_name} '
                                    f'was not found')
        self._runner.sync(job)
        return job

    # --- groups -----------------------------------------------------------------------------
    def get_version(self, correlation_id: Optional[str]) -> dict:
        return {'name': 'service-background-cron', 'version': VERSION}

    def register_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        rules.check_name_rule(correlation_id, 'group_name', group_name)
        group = CronGroupV1(group_name, pyotp.random_base32(), clock.now(), node_secret=pyotp.random_base32())
        created = self._groups.create_group(correlation_id, group)
        if created is None:
            raise ConflictException(correlation_id, 'GROUP_EXISTS', f'Group {group_name} already exists') \
                .with_details('group_name', group_name)
        self._runner.forget_group(group_name)
        return created

    def remove_group(self, correlation_id: Optional[str], group_name: str) -> CronGroupV1:
        group = self._group(correlation_id, group_name)
        self._clear(correlation_id, group_name, None)
        self._groups.delete_group(correlation_id, group_name)
        self._runs.delete_runs(correlation_id, group_name)
        if self._hub is not None:
            self._hub.forget_group(correlation_id, group_name)
        if self._funcs is not None:
            self._funcs.forget_group(correlation_id, group_name)
        self._runner.forget_group(group_name)
        return group.public()

    def get_groups(self, correlation_id: Optional[str]) -> List[CronGroupV1]:
        return [g.public() for g in self._groups.get_groups(correlation_id)]

    def get_group_info(self, correlation_id: Optional[str], group_name: str) -> dict:
        group = self._group(correlation_id, group_name).public().to_json()
        jobs = self._jobs.get_jobs(correlation_id, group_name)
        group.pop('otp_secret', None)
        group.pop('node_secret', None)
        group.update(job_count=len(jobs), active_job_count=sum(1 for j in jobs if j.active),
                     node_count=len(self.nodes.get_nodes(correlation_id, group_name)),
                     func_count=len(self.functions.get_funcs(correlation_id, group_name)) if self._funcs else 0)
        return group

    # --- jobs -------------------------------------------------------------------------------
    def add_job(self, correlation_id: Optional[str], data: dict) -> CronJobV1:
        data = require_object(correlation_id, data)
        group_name = data.get('group_name')
        self._group(correlation_id, group_name)
        job_id = data.get('job_id')
        generated = job_id in (None, '')
        job_id = rules.new_job_id() if generated else rules.check_name_rule(correlation_id, 'job_id', job_id)
        now = clock.now()
        job = CronJobV1(group_name=group_name, job_id=job_id, created=now, updated=now,
                        **rules.check_fields(correlation_id, data, partial=False))
        rules.check_runnable(correlation_id, job, self._executors)
        with self._runner.lock:
            job.next_run = self._first_run(job)
            created = self._jobs.create_job(correlation_id, job)
            while created is None and generated:
                job.job_id = rules.new_job_id()
                created = self._jobs.create_job(correlation_id, job)
            if created is None:
                raise ConflictException(correlation_id, 'JOB_EXISTS', f'Job {job_id} already exists in group '
                                        f'{group_name}').with_details('job_id', job_id)
            self._runner.sync(created)
        return created

    def edit_job(self, correlation_id: Optional[str], data: dict) -> CronJobV1:
        data = require_object(correlation_id, data)
        job = self._job(correlation_id, data.get('group_name'), data.get('job_id'))
        fields = rules.check_fields(correlation_id, data, partial=True)
        for name, value in fields.items():
            setattr(job, name, value)
        rules.check_runnable(correlation_id, job, self._executors)
        with self._runner.lock:
            if job.active and ('interval_pattern' in fields or 'exec_time' in fields):
                fields['next_run'] = self._first_run(job)
            return self._save(correlation_id, job.group_name, job.job_id, fields)

    def pause_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        self._job(correlation_id, group_name, job_id)
        with self._runner.lock:
            return self._save(correlation_id, group_name, job_id, {'active': False, 'next_run': None})

    def active_job(self, correlation_id: Optional[str], group_name: str, job_id: str,
                   exec_time=None) -> CronJobV1:
        job = self._job(correlation_id, group_name, job_id)
        job.exec_time = rules.check_exec_time(correlation_id, exec_time)
        with self._runner.lock:
            return self._save(correlation_id, group_name, job_id,
                              {'active': True, 'exec_time': job.exec_time, 'next_run': self._first_run(job)})

    def delete_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        self._job(correlation_id, group_name, job_id)
        with self._runner.lock:
            job = self._jobs.delete_job(correlation_id, group_name, job_id)
            self._runner.forget((group_name, job_id))
        self._runs.delete_runs(correlation_id, group_name, job_id)
        if job is None:
            raise NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'Job {job_id} was not found')
        return job

    def get_jobs(self, correlation_id: Optional[str], group_name: str) -> List[CronJobV1]:
        self._group(correlation_id, group_name)
        return self._jobs.get_jobs(correlation_id, group_name)

    def get_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> CronJobV1:
        return self._job(correlation_id, group_name, job_id)

    def run_job(self, correlation_id: Optional[str], group_name: str, job_id: str) -> dict:
        """Fires one job once, now, outside its schedule (next_run stays), recorded like a scheduled run;
        a job already running is not started twice: 409 JOB_RUNNING."""
        job = self._job(correlation_id, group_name, job_id)
        try:
            planned_ms = self._runner.run_now(job) if self._runner is not None else False
        except RuntimeError:  # the runner stopped meanwhile
            planned_ms = False
        if planned_ms is False:
            raise InvalidStateException(correlation_id, 'NOT_OPEN', 'The cron runner is not running')
        if planned_ms is None:
            raise ConflictException(correlation_id, 'JOB_RUNNING', f'Job {job_id} is running now')
        return {'group_name': job.group_name, 'job_id': job.job_id, 'fired': True, 'planned_time': planned_ms}

    def get_job_runs(self, correlation_id: Optional[str], group_name: str, job_id: str) -> List[CronRunV1]:
        self._job(correlation_id, group_name, job_id)
        return self._runs.get_runs(correlation_id, group_name, job_id)

    def _clear(self, correlation_id: Optional[str], group_name: str, name: Optional[str]) -> List[CronJobV1]:
        with self._runner.lock:
            jobs = self._jobs.delete_jobs(correlation_id, group_name, name)
            for job in jobs:
                self._runner.forget(job.key)
        for job in jobs:
            self._runs.delete_runs(correlation_id, group_name, job.job_id)
        return jobs

    def clear_jobs(self, correlation_id: Optional[str], group_name: str) -> dict:
        self._group(correlation_id, group_name)
        return {'deleted': len(self._clear(correlation_id, group_name, None))}

    def delete_jobs_by_name(self, correlation_id: Optional[str], group_name: str, name: str) -> dict:
        self._group(correlation_id, group_name)
        name = rules.check_text(correlation_id, 'name', name, 128, required=True)
        deleted = self._clear(correlation_id, group_name, name)
        if not deleted:
            raise NotFoundException(correlation_id, 'JOB_NOT_FOUND', f'No job named {name} in group {group_name}')
        return {'deleted': len(deleted)}

    # --- dump and import --------------------------------------------------------------------
    def dump(self, correlation_id: Optional[str], group_name: Optional[str] = None) -> bytes:
        groups = [self._group(correlation_id, group_name)] if group_name is not None \
            else self._groups.get_groups(correlation_id)
        entries = [{'group': g.to_json(), 'jobs': [j.to_json() for j in self._jobs.get_jobs(correlation_id,
                                                                                               g.group_name)],
                    'funcs': self._funcs.dump(correlation_id, g.group_name) if self._funcs else []} for g in groups]
        return build_archive(entries)

    def import_dump(self, correlation_id: Optional[str], data: bytes, replace_secrets: bool = False) -> dict:
        """Validates every group, job and function of the archive, then writes them (replacing same names);
        existing secrets stay unless ``replace_secrets`` (cron_import.py)."""
        groups, jobs, funcs = imported_records(correlation_id, read_archive(data), self._groups, self._funcs,
                                               self._executors, replace_secrets)
        for group in groups:
            self._groups.set_group(correlation_id, group)
            self._runner.forget_group(group.group_name)
        with self._runner.lock:
            for job in jobs:
                if job.active:
                    job.next_run = self._first_run(job)
                self._runner.sync(self._jobs.set_job(correlation_id, job))
        for func in funcs:
            self._funcs.save(correlation_id, func)
        return {'groups': len(groups), 'jobs': len(jobs), 'funcs': len(funcs)}
