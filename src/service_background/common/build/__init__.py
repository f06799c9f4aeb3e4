"""Factories of the components every domain shares."""
from service_background.common.build.common_factory import CommonFactory
from service_background.common.build.security_factory import SecurityFactory

__all__ = ['CommonFactory', 'SecurityFactory']
