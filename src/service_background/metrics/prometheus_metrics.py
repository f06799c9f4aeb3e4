"""PrometheusMetrics, the process's Prometheus metrics behind the Pip.Services counters interface."""
import re
import time
from datetime import datetime
from typing import Optional

from pip_services3_commons.config import ConfigParams, IConfigurable
from pip_services3_commons.refer import Descriptor, IReferenceable, IReferences
from pip_services3_commons.run import IOpenable
from pip_services3_components.count import CounterTiming, ICounters, ICounterTimingCallback
from pip_services3_components.log import CompositeLogger
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from service_background.common.concurrency.timer import IntervalTimer
from service_background.metrics.domain_snapshot import DomainSnapshot
from service_background.metrics.http_metrics import HttpMetrics
from service_background.metrics.jobs_tracker import JobsTracker


def _name(name: str) -> str:
    return 'sb_counter_' + re.sub(r'[^a-zA-Z0-9_]', '_', name)


def _descriptor(domain: str, kind: str) -> Descriptor:
    return Descriptor(domain, kind, '*', '*', '1.0')


class PrometheusMetrics(ICounters, ICounterTimingCallback, IConfigurable, IReferenceable, IOpenable):
    """A ``CollectorRegistry`` of its own behind ``ICounters``: ``service-background:counters:prometheus:default:1.0``
    matches ``*:counters:*:*:1.0``, so CompositeCounters of any component write here too.

    It wires itself, from set_references, to what it measures, each optional:
    - the HTTP endpoint's observer hook: requests by method, route template and status, latency histogram;
    - the jobs controller: a ``JobsTracker`` (``jobs``) it feeds on writes (gauges kept up to date);
    - the retries, tasks and cron controllers: ``DomainSnapshot`` refreshed every options.refresh_interval
      ms (default 10000) by a timer, never on a scrape.
    A scrape (``MetricsServiceV1``, GET /metrics) costs O(queues + groups + namespaces), never O(jobs)."""

    def __init__(self):
        self._logger = CompositeLogger()
        self.registry = CollectorRegistry()
        self._refresh_ms = 10000
        self.http = HttpMetrics()  # on every request: plain numbers (plain_metrics says why)
        self.registry.register(self.http)
        self.jobs = JobsTracker(self.registry)
        self.domains = DomainSnapshot(self.registry, self._logger)
        self._jobs_controller = None
        self._generic = {}
        self._timer: Optional[IntervalTimer] = None
        self._opened = False
        self.registry.register(_Collector(self))

    # --- lifecycle -------------------------------------------------------------------------
    def configure(self, config: ConfigParams):
        self._refresh_ms = config.get_as_long_with_default('options.refresh_interval', 10000)

    def set_references(self, references: IReferences):
        self._logger.set_references(references)
        for endpoint in references.get_optional(_descriptor('*', 'endpoint')):
            if hasattr(endpoint, 'register_observer'):
                endpoint.register_observer(self.http.observe)
        # the jobs controller finds this component by its descriptor and feeds ``self.jobs``
        self._jobs_controller = references.get_one_optional(_descriptor('service-background-jobs', 'controller'))
        self.domains.use_controllers(
            retries=references.get_one_optional(_descriptor('service-background-retries', 'controller')),
            tasks=references.get_one_optional(_descriptor('service-background-tasks', 'controller')),
            cron=references.get_one_optional(_descriptor('service-background-cron', 'controller')))

    def is_open(self) -> bool:
        return self._opened

    def open(self, correlation_id: Optional[str]):
        if self._opened:
            return
        if self._jobs_controller is not None:
            try:
                self.jobs.load(self._jobs_controller.unfinished_jobs())
            except Exception as ex:
                self._logger.error(correlation_id, ex, 'Metrics: cannot load the jobs store')
        self.domains.observe_cron()
        self.domains.refresh()
        self._timer = IntervalTimer('metrics-refresh', self.domains.refresh, self._refresh_ms, self._logger)
        self._timer.start()
        self._opened = True

    def close(self, correlation_id: Optional[str]):
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._opened = False

    # --- what the services read ---------------------------------------------------------------
    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def paused_types(self) -> list:
        controller = self._jobs_controller
        return controller.pauses.paused_types() if controller is not None else []

    def long_poll_waiters(self) -> int:
        controller = self._jobs_controller
        return controller.long_poll_waiters() if controller is not None else 0

    # --- ICounters: pip-services counters as Prometheus metrics ---------------------------------
    def _metric(self, kind, name: str, help: str):
        key = (kind, name)
        metric = self._generic.get(key)
        if metric is None:
            suffix = {Gauge: '', Counter: '', Histogram: '_seconds'}[kind]
            metric = self._generic[key] = kind(_name(name) + suffix, help, registry=self.registry)
        return metric

    def begin_timing(self, name: str) -> CounterTiming:
        return CounterTiming(name, self)

    def end_timing(self, name: str, elapsed: float):
        self._metric(Histogram, name, 'Pip.Services timing').observe(elapsed / 1000.0)

    def stats(self, name: str, value: float):
        self._metric(Gauge, name, 'Pip.Services statistic (last value)').set(value)

    def last(self, name: str, value: float):
        self._metric(Gauge, name, 'Pip.Services last value').set(value)

    def timestamp_now(self, name: str):
        self.timestamp(name, datetime.now())

    def timestamp(self, name: str, value: datetime):
        self._metric(Gauge, name + '_timestamp', 'Pip.Services timestamp (unix s)').set(value.timestamp())

    def increment_one(self, name: str):
        self.increment(name, 1)

    def increment(self, name: str, value: float):
        self._metric(Counter, name, 'Pip.Services counter').inc(value)


class _Collector:
    """The gauges read at scrape time from what the tracker and the snapshot keep."""

    def __init__(self, metrics: PrometheusMetrics):
        self._m = metrics

    def describe(self):
        return []

    def collect(self):
        m = self._m
        depth = GaugeMetricFamily('sb_jobs', 'Jobs by queue (type) and status', labels=['type', 'status'])
        oldest = GaugeMetricFamily('sb_jobs_oldest_queued_age_seconds', 'Age of the oldest due queued job',
                                   labels=['type'])
        for type, row in m.jobs.snapshot().items():
            for status in ('queued', 'delayed', 'running'):
                depth.add_metric([type, status], row[status])
            oldest.add_metric([type], row['oldest_age'])
        paused = GaugeMetricFamily('sb_jobs_queue_paused', 'Paused queues (1 each)', labels=['type'])
        for type in m.paused_types():
            paused.add_metric([type], 1)
        waiters = GaugeMetricFamily('sb_jobs_long_poll_waiters', 'Blocked want_job long-polls')
        waiters.add_metric([], m.long_poll_waiters())
        values = m.domains.values
        retries = GaugeMetricFamily('sb_retries', 'Retry records by group', labels=['group'])
        for group, count in values.get('retries', {}).items():
            retries.add_metric([group], count)
        tasks = GaugeMetricFamily('sb_tasks', 'Tasks by namespace and status (overdue: in_progress past timeout)',
                                  labels=['namespace', 'status'])
        for namespace, counts in values.get('tasks', {}).items():
            for status, count in counts.items():
                tasks.add_metric([namespace, status], count)
        cron_jobs = GaugeMetricFamily('sb_cron_jobs', 'Cron jobs by group (active, overdue = missed runs)',
                                      labels=['group', 'state'])
        nodes = GaugeMetricFamily('sb_cron_live_nodes', 'Live worker nodes by group', labels=['group'])
        for group, row in values.get('cron', {}).items():
            for state in ('jobs', 'active', 'overdue'):
                cron_jobs.add_metric([group, state], row[state])
            nodes.add_metric([group], row['live_nodes'])
        refreshed = GaugeMetricFamily('sb_snapshot_age_seconds', 'Seconds since retries/tasks/cron were read')
        refreshed.add_metric([], time.time() - m.domains.refreshed_at)
        return [depth, oldest, paused, waiters, retries, tasks, cron_jobs, nodes, refreshed]
