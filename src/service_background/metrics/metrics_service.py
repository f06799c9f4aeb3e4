"""GET /metrics: the Prometheus text exposition of the process's ``PrometheusMetrics``."""
from pip_services3_commons.refer import Descriptor
from prometheus_client import CONTENT_TYPE_LATEST

from service_background.common.http.response import send_raw
from service_background.common.services.rest_service import RestService


class MetricsServiceV1(RestService):

    def __init__(self):
        super().__init__()
        self._dependency_resolver.put('metrics', Descriptor('service-background', 'counters', 'prometheus', '*', '1.0'))
        self._metrics = None

    def set_references(self, references):
        super().set_references(references)
        self._metrics = self._dependency_resolver.get_one_required('metrics')

    def register(self):
        self.register_route('GET', '/metrics', None,
                            lambda: send_raw(self._metrics.exposition(), CONTENT_TYPE_LATEST), blocking=False)
