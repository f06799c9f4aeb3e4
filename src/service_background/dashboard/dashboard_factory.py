"""The factory of the dashboard service."""
from pip_services3_commons.refer import Descriptor
from pip_services3_components.build import Factory

from service_background.dashboard.dashboard_service import DashboardServiceV1


class DashboardFactory(Factory):
    DashboardServiceDescriptor = Descriptor('service-background', 'service', 'dashboard', '*', '1.0')

    def __init__(self):
        super().__init__()
        self.register_as_type(self.DashboardServiceDescriptor, DashboardServiceV1)
