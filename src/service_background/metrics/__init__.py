"""The process's Prometheus metrics: HTTP requests, jobs, and the other domains' sizes."""
from service_background.metrics.jobs_tracker import JobsTracker
from service_background.metrics.metrics_factory import MetricsFactory
from service_background.metrics.prometheus_metrics import PrometheusMetrics

__all__ = ['JobsTracker', 'MetricsFactory', 'PrometheusMetrics']
