from .dashboard_factory import DashboardFactory
from .dashboard_service import DashboardServiceV1

__all__ = ['DashboardFactory', 'DashboardServiceV1']
