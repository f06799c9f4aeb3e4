from .jobs_tracker import JobsTracker
from .metrics_factory import MetricsFactory
from .prometheus_metrics import PrometheusMetrics

__all__ = ['JobsTracker', 'MetricsFactory', 'PrometheusMetrics']
