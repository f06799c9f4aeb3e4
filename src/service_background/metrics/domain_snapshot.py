"""Retries, tasks and cron numbers for /metrics and the dashboard's overview, read from the controllers
by a background timer and kept, so a scrape only copies what the last refresh found."""
# The timer runs every options.refresh_interval ms (default 10000). Cron runs are counted as they are
# recorded (an observer of the cron runner, added when the metrics component opens): runs by outcome and
# fire lateness (started - planned).
import threading
import time
from typing import Dict

from prometheus_client import Counter, Histogram

from service_background.common.data import clock

LATENESS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60)
OVERDUE_S = 60.0  # an active cron job whose next run is this far past is counted as missed


class DomainSnapshot:

    def __init__(self, registry, logger):
        self._logger = logger
        self.retries = None
        self.tasks = None
        self.cron = None
        self._lock = threading.Lock()
        self.values: Dict[str, dict] = {'retries': {}, 'tasks': {}, 'cron': {}, 'refreshed': None}
        self.cron_runs = Counter('sb_cron_runs', 'Cron runs recorded, by outcome', ['group', 'outcome'],
                                 registry=registry)
        self.cron_lateness = Histogram('sb_cron_fire_lateness_seconds', 'Run start minus planned time',
                                       ['group'], buckets=LATENESS_BUCKETS, registry=registry)
        self._runs_1h: Dict[str, Dict[int, list]] = {}  # group -> minute -> [ok, failed]
        self.refreshed_at = time.time()

    def use_controllers(self, retries=None, tasks=None, cron=None):
        """The domains' controllers this snapshot reads (None: a domain the process does not run)."""
        self.retries, self.tasks, self.cron = retries, tasks, cron

    # --- cron runs, as they are recorded ------------------------------------------------------
    def observe_cron(self):
        """Observes the cron runs as they are recorded (node reports included), through the controller."""
        if self.cron is not None:
            self.cron.add_run_observer(self.observe_run)

    def observe_run(self, run):
        try:
            outcome = 'ok' if run.status == 'ok' else 'failed'
            self.cron_runs.labels(run.group_name, outcome).inc()
            if run.started is not None and run.planned_time is not None:
                self.cron_lateness.labels(run.group_name).observe(
                    max(0.0, (run.started - run.planned_time).total_seconds()))
            minute = int(time.time() // 60)
            with self._lock:
                minutes = self._runs_1h.setdefault(run.group_name, {})
                minutes.setdefault(minute, [0, 0])[0 if outcome == 'ok' else 1] += 1
                for old in [m for m in minutes if m <= minute - 60]:
                    del minutes[old]
        except Exception as ex:  # metrics never break a run
            self._logger.warn(None, f'Cannot count a cron run: {ex}')

    def runs_last_hour(self) -> Dict[str, dict]:
        minute = int(time.time() // 60)
        with self._lock:
            return {group: {'ok': sum(v[0] for m, v in minutes.items() if m > minute - 60),
                            'failed': sum(v[1] for m, v in minutes.items() if m > minute - 60)}
                    for group, minutes in self._runs_1h.items()}

    # --- the periodic refresh --------------------------------------------------------------
    def refresh(self):
        values = {'retries': self._retries(), 'tasks': self._tasks(), 'cron': self._cron(),
                  'refreshed': clock.to_iso(clock.now())}
        with self._lock:
            self.values, self.refreshed_at = values, time.time()

    def _safe(self, what: str, read) -> dict:
        try:
            return read()
        except Exception as ex:
            self._logger.warn(None, f'Metrics: cannot read {what}: {ex}')
            return {}

    def _retries(self) -> dict:
        c = self.retries
        if c is None:
            return {}

        def read():
            from pip_services3_commons.data import FilterParams, PagingParams
            result = {}
            for group in c.get_group_names(None):
                page = c.get_retries(None, FilterParams.from_tuples('group', group), PagingParams(0, 1, True))
                result[group] = page.total or 0
            return result
        return self._safe('retries', read)

    def _tasks(self) -> dict:
        c = self.tasks
        if c is None:
            return {}

        def read():
            result = {}
            now = time.time()
            for namespace in c.get_namespaces(None):
                counts = {'idle': 0, 'in_progress': 0, 'failed': 0, 'done': 0, 'overdue': 0}
                for task in c.get_tasks(None, namespace.id):
                    counts[task.status] = counts.get(task.status, 0) + 1
                    if task.status == 'in_progress' and (task.updated_at or 0) + (task.timeout or 0) < now:
                        counts['overdue'] += 1
                result[namespace.id] = counts
            return result
        return self._safe('tasks', read)

    def _cron(self) -> dict:
        c = self.cron
        if c is None:
            return {}

        def read():
            result = {}
            now = clock.now()
            for group in c.get_groups(None):
                name = group.group_name
                jobs = c.get_jobs(None, name)
                active = [j for j in jobs if j.active]
                overdue = sum(1 for j in active if j.next_run is not None
                              and (now - j.next_run).total_seconds() > OVERDUE_S)
                nodes = c.nodes.get_nodes(None, name)  # the live ones (heartbeat within its grace)
                result[name] = {'jobs': len(jobs), 'active': len(active), 'overdue': overdue,
                                'live_nodes': len(nodes)}
            return result
        return self._safe('cron', read)

