"""The cron domain's factory."""
from service_background.cron.build.cron_factory import CronFactory

__all__ = ['CronFactory']
