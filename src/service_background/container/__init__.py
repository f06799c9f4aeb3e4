"""The process that runs every domain, and its command line."""
from service_background.container.background_process import BackgroundProcess, normalize_switches

__all__ = ['BackgroundProcess', 'normalize_switches']
