"""The domain cron: scheduled jobs in groups."""
