from .common_factory import CommonFactory
from .security_factory import SecurityFactory

__all__ = ['CommonFactory', 'SecurityFactory']
