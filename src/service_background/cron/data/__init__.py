"""The cron domain's data classes, by version."""
