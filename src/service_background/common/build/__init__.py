from .common_factory import CommonFactory

__all__ = ['CommonFactory']
