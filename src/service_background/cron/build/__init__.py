from .cron_factory import CronFactory

__all__ = ['CronFactory']
