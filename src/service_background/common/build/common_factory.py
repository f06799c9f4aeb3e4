from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from ..http_endpoint import HttpEndpoint


class CommonFactory(Factory):
    """Components every domain shares: the HTTP endpoint with a configurable thread pool."""
    HttpEndpointDescriptor = Descriptor('service-background', 'endpoint', 'http', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.HttpEndpointDescriptor, HttpEndpoint)
