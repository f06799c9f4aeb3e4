"""What the dashboard's views need beyond the domains' own commands: per-queue numbers (from the
metrics' JobsTracker: O(queues)), job search with a text filter, actions on jobs (one, selected, or
all matching a filter), the stuck view, retries/tasks/cron summaries, one job with its log from a line
on, the live workers, each queue's last hour minute by minute, one queue's group keys and limits, and a
workflow with its graph (workflow_graph.py). Domains missing from the process
answer empty. Each view shows what the asking token may see (``ApiToken.may_use``, the rule of the
domain routes): the overview and the cron view list only its domains and groups; inputs come checked
(api_params.py)."""
import json
from datetime import timedelta
from typing import Any, Dict, List

from pip_services3_commons.data import FilterParams, PagingParams
from pip_services3_commons.errors import BadRequestException
from pip_services3_commons.refer import Descriptor

from service_background.common.data import clock
from service_background.common.security.token_authorizer import ApiToken
from service_background.dashboard.workflow_graph import workflow_graph

SCAN_LIMIT = 10000  # jobs read at most by a text search or an action on all matching
LOG_PAGE = 500  # log lines one job page poll reads at most
CANCEL_REASON = 'cancelled from the dashboard'


def _controller(references, domain: str):
    return references.get_one_optional(Descriptor(f'service-background-{domain}', 'controller', '*', '*', '1.0'))


def _jsonable(value: Any) -> Any:
    return value.to_json() if hasattr(value, 'to_json') else value


class DashboardApi:

    def __init__(self):
        self.jobs = self.retries_c = self.tasks_c = self.cron_c = None
        self.metrics = None

    def set_references(self, references):
        self.jobs = _controller(references, 'jobs')
        self.retries_c = _controller(references, 'retries')
        self.tasks_c = _controller(references, 'tasks')
        self.cron_c = _controller(references, 'cron')
        self.metrics = references.get_one_optional(
            Descriptor('service-background', 'counters', 'prometheus', '*', '1.0'))

    # --- overview ------------------------------------------------------------------------------
    def overview(self, viewer: ApiToken) -> dict:
        """Queues, task counts and cron runs of the domains and groups ``viewer`` may see."""
        sees_jobs = viewer.may_use('jobs')
        queues = self.metrics.jobs.snapshot() if self.metrics is not None and sees_jobs else {}
        paused = self.jobs.pauses.paused_types() if self.jobs is not None and sees_jobs else []
        for type in paused:
            queues.setdefault(type, {'queued': 0, 'delayed': 0, 'running': 0, 'oldest_age': 0, 'enqueued_1h': 0,
                                     'done_1h': 0, 'failed_1h': 0, 'per_minute': []})
        for type, row in queues.items():
            row['paused'] = type in paused
        runs = self.metrics.domains.runs_last_hour() if self.metrics is not None else {}
        runs = {group: row for group, row in runs.items() if viewer.may_use('cron', group)}
        return {'time': clock.to_iso(clock.now()), 'queues': queues,
                'tasks': self.task_counts() if viewer.may_use('tasks') else {}, 'cron_runs_1h': runs,
                'long_poll_waiters': self.metrics.long_poll_waiters() if self.metrics and sees_jobs else 0}

    def task_counts(self) -> Dict[str, dict]:
        if self.tasks_c is None:
            return {}
        result = {}
        for row in self.tasks()['namespaces']:
            counts = {'idle': 0, 'in_progress': 0, 'done': 0, 'failed': 0, 'overdue': 0}
            for task in row['tasks']:
                counts[task['status']] = counts.get(task['status'], 0) + 1
                counts['overdue'] += task['overdue']
            result[row['id']] = counts
        return result

    # --- jobs ----------------------------------------------------------------------------------
    @staticmethod
    def _filter(query: dict) -> FilterParams:
        return FilterParams.from_value(query['filter'])

    def _matching(self, query: dict, limit: int) -> List[Any]:
        """Jobs matching the filter and the text (in params / result / last_error), up to ``limit``."""
        text = query['text']
        found, skip = [], 0
        while len(found) < limit and skip < SCAN_LIMIT:
            page = self.jobs.get_jobs(None, self._filter(query), PagingParams(skip, 100, False))
            for job in page.data:
                if not text or text in json.dumps([job.params, job.result, job.last_error], default=str).lower():
                    found.append(job)
            if len(page.data) < 100:
                break
            skip += 100
        return found[:limit]

    def find_jobs(self, query: dict) -> dict:
        """``query``: api_params.job_search's."""
        skip, take = query['skip'], query['take']
        if not query['text']:
            page = self.jobs.get_jobs(None, self._filter(query), PagingParams(skip, take, True))
            return {'data': [_jsonable(j) for j in page.data], 'total': page.total, 'skip': skip, 'take': take}
        jobs = self._matching(query, skip + take + 1)
        return {'data': [_jsonable(j) for j in jobs[skip:skip + take]], 'total': None, 'skip': skip, 'take': take,
                'more': len(jobs) > skip + take}

    def job_action(self, query: dict) -> dict:
        """``query``: api_params.job_action's."""
        action = query['action']
        ids = [job.id for job in self._matching(query, SCAN_LIMIT)] if query['all'] else query['ids']
        done, errors = 0, []
        for job_id in ids:
            try:
                if action == 'delete':
                    self.jobs.delete_job_by_id(None, job_id)
                elif action == 'cancel':
                    self.jobs.cancel_job(None, job_id, query['reason'] or CANCEL_REASON)
                else:
                    self._requeue(job_id, reset_attempts=action == 'retry')
                done += 1
            except Exception as ex:
                errors.append({'id': job_id, 'error': getattr(ex, 'message', str(ex))})
        return {'action': action, 'matched': len(ids), 'done': done, 'errors': errors[:20]}

    def _requeue(self, job_id: str, reset_attempts: bool):
        """retry: a job back to the queue with its attempts reset; requeue: a running one given back now,
        any other queued again now (JobsController.requeue_job, the one requeue rule)."""
        self.jobs.requeue_job(None, job_id, reset_attempts)

    def stuck(self, within_s: float) -> dict:
        """Running jobs whose lease ran out or ends within ``within_s`` seconds."""
        limit = clock.now() + timedelta(seconds=within_s)
        page = self.jobs.get_jobs(None, FilterParams.from_tuples('status', 'running', 'locked_to', clock.to_iso(limit)),
                                  PagingParams(0, 100, True))
        return {'data': [_jsonable(j) for j in page.data], 'total': page.total, 'now': clock.to_iso(clock.now())}

    # --- running jobs ------------------------------------------------------------------------------
    def job_page(self, job_id: str, skip: int) -> dict:
        """One job, its log lines from ``skip`` on, and the service's time (its lease's remaining time
        is counted against it, not against the browser's clock)."""
        job = self.jobs.get_job_by_id(None, job_id)
        log = self.jobs.get_job_log(None, job_id, skip, LOG_PAGE)
        return {'job': _jsonable(job), 'log': log, 'now': clock.to_iso(clock.now())}

    def workers(self) -> dict:
        return {'workers': self.jobs.get_workers(None) if self.jobs is not None else [],
                'now': clock.to_iso(clock.now())}

    def history(self) -> dict:
        """Each queue's last hour minute by minute: finished by outcome, wait and run times."""
        queues = self.metrics.jobs.history() if self.metrics is not None else {}
        return {'queues': queues, 'now': clock.to_iso(clock.now())}

    # --- queues and workflows ---------------------------------------------------------------------
    def queue(self, type: str) -> dict:
        """One queue: its numbers, its limits (None when it has none) and its group keys with their queued
        and running jobs (most queued first; empty when the process has no queue limits component)."""
        row = self.metrics.jobs.snapshot().get(type) if self.metrics is not None else None
        try:
            limits = self.jobs.limits.get_limits(None, type)
            groups = self.jobs.limits.get_groups(None, type)
        except BadRequestException as ex:
            if ex.code != 'LIMITS_DISABLED':
                raise
            limits, groups = [], []
        return {'type': type, 'counts': row, 'paused': type in self.jobs.pauses.paused_types(),
                'limits': limits[0] if limits else None, 'groups': groups, 'now': clock.to_iso(clock.now())}

    def workflow(self, workflow_id: str) -> dict:
        """get_workflow's answer (without its per-key map) and the graph of its jobs."""
        summary, jobs = self.jobs.batches.get_workflow_and_jobs(None, workflow_id)
        summary.pop('jobs', None)  # the graph's nodes carry each key's id and status
        return {'workflow': summary, **workflow_graph(jobs), 'now': clock.to_iso(clock.now())}

    def cancel_workflow(self, workflow_id: str) -> dict:
        self.jobs.batches.cancel_workflow(None, workflow_id)
        return self.workflow(workflow_id)

    # --- retries, tasks, cron --------------------------------------------------------------------
    def retries(self) -> dict:
        """Record counts per group and the records expiring soonest (the retries scope sees every group)."""
        c = self.retries_c
        if c is None:
            return {'groups': [], 'soonest': []}
        groups, records = [], []
        for group in c.get_group_names(None):
            page = c.get_retries(None, FilterParams.from_tuples('group', group), PagingParams(0, 100, True))
            groups.append({'group': group, 'count': page.total or 0})
            records.extend(page.data)
        records.sort(key=lambda r: (r.expiration_time is None, r.expiration_time or clock.now()))
        return {'groups': groups, 'soonest': [_jsonable(r) for r in records[:50]]}

    def tasks(self) -> dict:
        c = self.tasks_c
        if c is None:
            return {'namespaces': []}
        now = clock.now().timestamp()
        result = []
        for namespace in c.get_namespaces(None):
            tasks = []
            for task in c.get_tasks(None, namespace.id):
                row = _jsonable(task)
                row['overdue'] = task.status == 'in_progress' and (task.updated_at or 0) + (task.timeout or 0) < now
                tasks.append(row)
            result.append({'id': namespace.id, 'tasks': tasks})
        return {'namespaces': result}

    def cron(self, viewer: ApiToken) -> dict:
        """The groups ``viewer`` may see, each with its jobs (and their last runs), functions and nodes."""
        c = self.cron_c
        if c is None:
            return {'groups': [], 'now': clock.to_iso(clock.now())}
        groups = []
        for group in c.get_groups(None):
            name = group.group_name
            if not viewer.may_use('cron', name):
                continue
            jobs = []
            for job in c.get_jobs(None, name):
                row = _jsonable(job)
                row['runs'] = [_jsonable(run) for run in c.get_job_runs(None, name, job.job_id)][-20:]
                jobs.append(row)
            funcs = [_jsonable(f) for f in self._funcs_of(name)]
            nodes = [_jsonable(n) for n in c.nodes.get_nodes(None, name)]
            groups.append({'group_name': name, 'jobs': jobs, 'funcs': funcs, 'nodes': nodes})
        return {'groups': groups, 'now': clock.to_iso(clock.now())}

    def _funcs_of(self, group_name: str) -> list:
        try:
            return self.cron_c.functions.get_funcs(None, group_name)
        except BadRequestException as ex:
            if ex.code == 'FUNCS_DISABLED':
                return []
            raise
