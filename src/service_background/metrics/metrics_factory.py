"""The factory of the Prometheus metrics and their GET /metrics service."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.metrics.metrics_service import MetricsServiceV1
from service_background.metrics.prometheus_metrics import PrometheusMetrics


class MetricsFactory(Factory):
    MetricsDescriptor = Descriptor('service-background', 'counters', 'prometheus', '*', '1.0')
    MetricsServiceDescriptor = Descriptor('service-background', 'metrics-service', 'prometheus', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.MetricsDescriptor, PrometheusMetrics)
        self.register_as_type(self.MetricsServiceDescriptor, MetricsServiceV1)
