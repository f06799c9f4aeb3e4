"""The operator's dashboard at /ui and Swagger UI at /swagger."""
from service_background.dashboard.dashboard_factory import DashboardFactory
from service_background.dashboard.dashboard_service import DashboardServiceV1

__all__ = ['DashboardFactory', 'DashboardServiceV1']
